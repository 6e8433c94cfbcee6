"""A griffe extension for the API reference (mkdocs.yml): boxgeom's Sphinx habits in mkdocstrings.

- ``#:`` comments above a module attribute become its docstring (as Sphinx reads them);
- ``:func:`name``` and the other Sphinx roles, and the names of a "See Also" section,
  become cross-references when ``name`` is a public boxgeom object (looked up from the
  docstring's class, module, then ``boxgeom``), and plain code otherwise (private
  helpers, other libraries);
- a parameter entry naming several parameters (``a, b : type`` or ``a, b``) becomes one
  entry per parameter, so each shows its own annotation and default (griffe gives them
  all the first one's);
- a compiled (Cython) function loses the signature line that Cython puts at the top of
  its docstring and its "method descriptor" label: it reads as a plain function.

Nothing in ``boxgeom`` imports this file; only the docs build does.
"""

from __future__ import annotations

import re
from textwrap import dedent
from typing import Any

try:
    from griffe import Extension
except ImportError:  # without the docs extra; pytest's doctest collection still imports this file
    Extension = object  # type: ignore[assignment,misc]

_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|attr|mod|data|exc|obj):`(~?)\.?([\w.]+)`")
_NAMES = re.compile(r"[A-Za-z_][\w.]*(?:, [A-Za-z_][\w.]*)*")
_PARAMETER_SECTIONS = ("Parameters", "Other Parameters")


class BoxgeomDocstrings(Extension):  # type: ignore[misc,valid-type]
    def on_attribute_instance(self, *, attr: Any, agent: Any, **kwargs: Any) -> None:
        if attr.docstring is not None or attr.lineno is None or isinstance(attr.filepath, list):
            return
        from griffe import Docstring

        lines = attr.lines_collection[attr.filepath]
        first = attr.lineno - 1  # 0-based index of the assignment
        while first > 0 and lines[first - 1].lstrip().startswith("#:"):
            first -= 1
        if first < attr.lineno - 1:
            text = dedent("\n".join(line.lstrip()[2:] for line in lines[first : attr.lineno - 1]))
            attr.docstring = Docstring(
                text.strip(),
                lineno=first + 1,
                endlineno=attr.lineno - 1,
                parent=attr,
                parser=agent.docstring_parser,
                parser_options=agent.docstring_options,
            )

    def on_package(self, *, pkg: Any, loader: Any, **kwargs: Any) -> None:
        for obj in _objects(pkg):
            if "method descriptor" in obj.labels:
                obj.labels.discard("method descriptor")
                if obj.docstring is not None and obj.docstring.value.startswith(f"{obj.name}("):
                    obj.docstring.value = obj.docstring.value.partition("\n")[2].strip()
            if obj.docstring is not None:
                obj.docstring.value = _split_sections(obj.docstring.value)
                scopes = list(dict.fromkeys(p.path for p in (obj.parent, obj.module, pkg) if p is not None))
                obj.docstring.value = _ROLE.sub(
                    lambda m: _link(m.group(2), m.group(1) == "~", scopes, loader.modules_collection),
                    obj.docstring.value,
                )


def _split_sections(text: str) -> str:
    """Split multi-name parameter entries into one per name; mark the names of "See Also" as roles."""
    lines = text.split("\n")
    out: list[str] = []
    section = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() and i + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[i + 1].strip()):
            section = line.strip()
            out += lines[i : i + 2]
            i += 2
            continue
        names, sep, kind = line.partition(" : ")
        if section in _PARAMETER_SECTIONS and "," in names and _NAMES.fullmatch(names.rstrip()):
            end = i + 1
            while end < len(lines) and (not lines[end].strip() or lines[end][0].isspace()):
                end += 1
            body = lines[i + 1 : end]
            while body and not body[-1].strip():  # blank lines before the next entry stay once
                body.pop()
            for name in names.rstrip().split(", "):
                out += [name + sep + kind, *body]
            out += lines[i + 1 + len(body) : end]
            i = end
            continue
        if section == "See Also" and line[:1].strip():
            names, sep, rest = line.partition(" : ")
            if _NAMES.fullmatch(names.rstrip()):
                line = re.sub(r"[\w.]+", lambda m: f":obj:`{m.group()}`", names) + sep + rest
        out.append(line)
        i += 1
    return "\n".join(out)


def _objects(obj: Any) -> Any:
    """Every object defined (not imported) in ``obj``, ``obj`` included."""
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _objects(member)


def _link(name: str, short: bool, scopes: list[str], collection: Any) -> str:
    """A markdown cross-reference to the public object ``name`` names, else ``name`` as code."""
    shown = f"`{name.rpartition('.')[2] if short else name}`"
    for path in [name] * name.startswith("boxgeom.") + [f"{scope}.{name}" for scope in scopes]:
        if _is_public(path, collection):
            return f"[{shown}][{path}]"
    return shown


def _is_public(path: str, collection: Any) -> bool:
    """Whether ``path`` names an object the API pages document: every step public."""
    from griffe import AliasResolutionError, CyclicAliasError

    parts = path.split(".")
    try:
        objects = [collection[".".join(parts[: i + 1])] for i in range(len(parts))]
        return all(obj.is_public and not obj.name.startswith("_") for obj in objects[1:])
    except (KeyError, ValueError, AttributeError, AliasResolutionError, CyclicAliasError):
        return False
