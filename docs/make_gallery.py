"""Draw the pictures of docs/gallery.md by running the page's own code.

Run ``python docs/make_gallery.py [--out DIR]`` (default: docs/gallery). The code blocks
of gallery.md run in order, in one namespace, as the doctests do; after each block that
follows a picture ``![...](gallery/NAME.png)``, the figure holding ``ax`` is saved as
``DIR/NAME.png`` at 100 dpi. So the code shown under a picture is the code that drew it.
Needs matplotlib (``pip install "boxgeom[plot]"``).
"""

from __future__ import annotations

import argparse
import doctest
import re
import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parent / "gallery.md"
DPI = 100
# a picture of the gallery, or a fenced python block
TOKEN = re.compile(r"!\[[^\]]*\]\(gallery/(?P<picture>[\w.-]+\.png)\)|```python\n(?P<code>.*?)```", re.S)


def sections(text: str) -> list[tuple[str | None, str]]:
    """The python blocks of ``text`` as (picture the block draws or None, doctest source)."""
    found, picture = [], None
    for match in TOKEN.finditer(text):
        if match["picture"]:
            picture = match["picture"]
        else:
            found.append((picture, match["code"]))
            picture = None
    return found


def run(page: Path, out: Path) -> list[Path]:
    """Run the blocks of ``page`` and save their figures into ``out``; return the written paths."""
    import matplotlib

    matplotlib.use("Agg")
    from boxgeom.plot import save_figure

    out.mkdir(parents=True, exist_ok=True)
    namespace: dict = {"__name__": "gallery"}
    parser, written, saved = doctest.DocTestParser(), [], None
    for picture, code in sections(page.read_text(encoding="utf-8")):
        for example in parser.get_examples(code):
            exec(compile(example.source, f"{page.name} ({picture or 'setup'})", "exec"), namespace)
        if picture is None:
            continue
        ax = namespace.get("ax")
        if ax is None or ax is saved:
            raise SystemExit(f"{page}: the block under {picture} draws no new `ax`")
        save_figure(ax, out / picture, dpi=DPI)
        written.append(out / picture)
        saved = ax
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PAGE.parent / "gallery", help="directory of the PNGs")
    args = parser.parse_args(argv)
    for path in run(PAGE, args.out):
        print(f"{path} ({path.stat().st_size / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(PAGE.parents[1]))  # this checkout's boxgeom, installed or not
    sys.exit(main())
