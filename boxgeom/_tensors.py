"""torch tensors in and out of the public functions, without importing torch.

In: every validator reads user arrays through ``_validate.as_numpy``, which detaches a
tensor (one that requires grad is accepted) and reads it with ``Tensor.numpy()``:
no copy on CPU, a copy to the host from another device.

Out: a function decorated with :func:`returns_tensors` gives back torch tensors when
one of its arguments is a tensor: ``torch.from_numpy`` of each numpy result, so the
values and dtypes of the numpy call without a copy, moved to the device of the first
tensor argument (a copy, for a CUDA input). Results that are not arrays (floats,
counts, objects) are returned as they are. Without torch loaded, no tensor can have
been passed: the check is one dictionary lookup.
"""

from __future__ import annotations

import functools
import sys
from typing import Any, Callable, TypeVar

import numpy as np

F = TypeVar("F", bound=Callable[..., Any])


# Argument types that are never tensors; skipping them avoids torch's slow isinstance.
NOT_TENSORS = frozenset({np.ndarray, float, int, bool, str, type(None), list, tuple})


def tensor_device(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The device of the first torch tensor among the arguments, or None."""
    tensor_type = None
    for values in (args, kwargs.values()):
        for value in values:
            if type(value) in NOT_TENSORS:
                continue
            tensor_type = tensor_type or sys.modules["torch"].Tensor
            if isinstance(value, tensor_type):
                return value.device
    return None


def to_torch(result: Any, device: Any) -> Any:
    """``result`` with every numpy array in it (also in tuples, lists and dict values) as a tensor on ``device``."""
    if isinstance(result, np.ndarray):
        if not result.flags.writeable or any(stride < 0 for stride in result.strides):
            result = result.copy()  # torch.from_numpy takes neither
        tensor = sys.modules["torch"].from_numpy(result)
        return tensor if device.type == "cpu" else tensor.to(device)
    if isinstance(result, tuple):
        values = [to_torch(value, device) for value in result]
        return type(result)(*values) if hasattr(result, "_fields") else tuple(values)
    if isinstance(result, list):
        return [to_torch(value, device) for value in result]
    if isinstance(result, dict):
        return {key: to_torch(value, device) for key, value in result.items()}
    return result


def returns_tensors(function: F) -> F:
    """Decorate a public function: tensors out when a tensor came in (see the module docstring)."""

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        if "torch" not in sys.modules:
            return function(*args, **kwargs)
        device = tensor_device(args, kwargs)
        result = function(*args, **kwargs)
        return result if device is None else to_torch(result, device)

    return call  # type: ignore[return-value]
