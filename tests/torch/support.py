"""Shared by the PyTorch tests: imports simdnorm.torch (from PYTHONPATH, or
from $SIMDNORM_BUILD_DIR/python) and a few comparison helpers."""

import os
import sys

try:
    import simdnorm.torch as st  # noqa: F401
except ImportError:
    build = os.environ.get("SIMDNORM_BUILD_DIR")
    if not build:
        raise
    sys.path.insert(0, os.path.join(os.path.abspath(build), "python"))
    for name in [m for m in sys.modules if m == "simdnorm" or m.startswith("simdnorm.")]:
        del sys.modules[name]
    import simdnorm.torch as st  # noqa: F401

import torch

ops = torch.ops.simdnorm


def max_abs_diff(a, b):
    return (a.double() - b.double()).abs().max().item() if a.numel() else 0.0


def relative_diff(out, ref):
    """max |out - ref| / max |ref| (the output's scale)."""
    scale = ref.double().abs().max().item()
    return max_abs_diff(out, ref) / (scale if scale > 0 else 1.0)
