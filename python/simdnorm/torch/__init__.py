"""simdnorm for PyTorch: the simdnorm:: operators (torch.ops.simdnorm.*),
functions with torch.nn.functional's signatures, drop-in modules, and
patch(model) / unpatch(model) to swap a model's norm layers in place.

    import simdnorm.torch
    report = simdnorm.torch.patch(model.eval())   # CPU

The ops run on PyTorch's intra-op thread pool with at::get_num_threads()
threads (torch.set_num_threads), read contiguous and channels-last tensors
in place and have no backward: the functions and modules fall back to torch
where gradients are needed (or for other dtypes and devices). Every op
runs in float32, bfloat16 and float16 (SUPPORTED_DTYPES).
"""

from . import _library

_library.load()

from .functional import (  # noqa: E402
    SUPPORTED_DTYPES, batch_norm, group_norm, instance_norm, layer_norm,
    rms_norm, simdnorm_can_run)
from .modules import (  # noqa: E402
    BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, GroupNormSiLU,
    InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, LayerNorm, RMSNorm)
from .patching import PatchReport, patch, unpatch  # noqa: E402

import torch as _torch  # noqa: E402

ops = _torch.ops.simdnorm
library_path = _library.load()


def info():
    """The simdnorm build and ISA target the ops run on."""
    return ops.info()


__all__ = [
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "GroupNorm",
    "GroupNormSiLU", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
    "LayerNorm", "PatchReport", "RMSNorm", "SUPPORTED_DTYPES", "batch_norm",
    "group_norm", "info", "instance_norm", "layer_norm", "library_path",
    "ops", "patch", "rms_norm", "simdnorm_can_run", "unpatch",
]
