"""PyTorch autograd for the set IoU: ``set_iou_loss(red, blue) = 1 - set IoU``.

torch is imported only when these functions are first used; boxgeom does not
depend on it. The forward pass runs boxgeom's sweep on CPU float64 copies of the
inputs and keeps the exact gradient for the backward pass.
"""

from __future__ import annotations

from typing import Any

from boxgeom.setarea import set_iou

__all__ = ["SetIoULoss", "set_iou_loss"]

_FUNCTION: Any = None


def _function() -> Any:
    """Build the ``torch.autograd.Function`` once, on first use (so torch loads lazily)."""
    global _FUNCTION
    if _FUNCTION is None:
        import torch

        class SetIoULoss(torch.autograd.Function):
            """``1 - |∪R ∩ ∪B| / |∪R ∪ ∪B|`` with the exact (``side="mid"``) gradient."""

            @staticmethod
            def forward(ctx: Any, red: Any, blue: Any, fmt: str = "xyxy") -> Any:  # type: ignore[override]
                red_np = red.detach().to("cpu", torch.float64).numpy()
                blue_np = blue.detach().to("cpu", torch.float64).numpy()
                if any(ctx.needs_input_grad[:2]):
                    iou, (grad_red, grad_blue) = set_iou(red_np, blue_np, fmt=fmt, return_grad=True)
                    ctx.grads = (
                        torch.from_numpy(0.0 - grad_red).to(red.device, red.dtype),
                        torch.from_numpy(0.0 - grad_blue).to(blue.device, blue.dtype),
                    )
                else:
                    iou = set_iou(red_np, blue_np, fmt=fmt)
                return torch.tensor(1.0 - iou, dtype=red.dtype, device=red.device)

            @staticmethod
            def backward(ctx: Any, grad_output: Any) -> Any:  # type: ignore[override]
                grad_red, grad_blue = ctx.grads
                return grad_output * grad_red, grad_output * grad_blue, None

        _FUNCTION = SetIoULoss
    return _FUNCTION


def set_iou_loss(red: Any, blue: Any, fmt: str = "xyxy") -> Any:
    """Return ``1 - set IoU`` of two box tensors as a differentiable scalar tensor.

    Parameters
    ----------
    red, blue : torch.Tensor of shape (n, 4) and (m, 4)
        Predicted and ground-truth boxes in ``fmt``; either may require grad.
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"

    Returns
    -------
    torch.Tensor
        A 0-d tensor of ``red``'s dtype and device. Its gradient is minus the exact
        set-IoU gradient of :func:`boxgeom.set_iou` (the average of the one-sided
        derivatives at kinks).

    Examples
    --------
    >>> import torch  # doctest: +SKIP
    >>> red = torch.tensor([[0.0, 0.0, 2.0, 2.0]], requires_grad=True)  # doctest: +SKIP
    >>> loss = set_iou_loss(red, torch.tensor([[1.0, 0.0, 3.0, 2.0]]))  # doctest: +SKIP
    >>> loss.backward(); red.grad  # doctest: +SKIP
    tensor([[-0.1111,  0.0000, -0.3333,  0.0000]])
    """
    return _function().apply(red, blue, fmt)


#: The ``torch.autograd.Function`` behind :func:`set_iou_loss`:
#: ``SetIoULoss.apply(red, blue, fmt)``. It is built on first access, so torch loads lazily.
SetIoULoss: Any


def __getattr__(name: str) -> Any:
    if name == "SetIoULoss":
        return _function()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
