"""Modules that run simdnorm: drop-in subclasses of torch.nn's norm layers
(same constructor arguments, parameters, buffers and state_dict keys), plus
RMSNorm and GroupNormSiLU.

Their forward goes through simdnorm.torch.functional, which falls back to
torch where simdnorm cannot run (gradients to track, other dtypes or
devices), so a module switched to train() keeps working with autograd.
"""

import copy

import torch
from torch import nn

from . import functional as SF

__all__ = [
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "GroupNorm",
    "GroupNormSiLU", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
    "LayerNorm", "RMSNorm",
]


class _Adoptable:
    """from_module(m): a module of this class over m's own state: the same
    Parameter and buffer objects (no copies) and attributes, hooks included.
    m is kept (as `simdnorm_original`, not a submodule) for unpatch."""

    @classmethod
    def from_module(cls, module):
        new = cls.__new__(cls)
        state = {}
        for key, value in module.__dict__.items():
            # The containers (parameters, buffers, submodules, hooks) are
            # new dicts holding the same objects: registering on one module
            # later does not change the other.
            if isinstance(value, (dict, set)):
                value = copy.copy(value)
            state[key] = value
        new.__dict__.update(state)
        object.__setattr__(new, "simdnorm_original", module)
        return new


class LayerNorm(_Adoptable, nn.LayerNorm):
    """nn.LayerNorm run by simdnorm."""

    def forward(self, input):
        return SF.layer_norm(input, self.normalized_shape, self.weight,
                             self.bias, self.eps)


class RMSNorm(_Adoptable, nn.Module):
    """y = x * rsqrt(mean(x^2) + eps) * weight over the trailing
    normalized_shape dims (PyTorch 2.4's nn.RMSNorm signature; eps=None
    means torch.finfo(dtype).eps)."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True,
                 device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = nn.Parameter(torch.ones(
                self.normalized_shape, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)

    @classmethod
    def from_weight(cls, weight, eps, original=None):
        """An RMSNorm over weight's shape that shares `weight` (a
        Parameter, registered as this module's "weight")."""
        new = cls.__new__(cls)
        nn.Module.__init__(new)
        new.normalized_shape = tuple(weight.shape)
        new.eps = eps
        new.elementwise_affine = True
        new.weight = weight
        if original is not None:
            object.__setattr__(new, "simdnorm_original", original)
        return new

    def forward(self, input):
        return SF.rms_norm(input, self.normalized_shape, self.weight,
                           self.eps)

    def extra_repr(self):
        return "{normalized_shape}, eps={eps}, " \
               "elementwise_affine={elementwise_affine}".format(**self.__dict__)


class GroupNorm(_Adoptable, nn.GroupNorm):
    """nn.GroupNorm run by simdnorm; the output keeps the input's memory
    format (channels-last stays channels-last)."""

    activation = None  # fused into the normalize pass when set

    def forward(self, input):
        return SF.group_norm(input, self.num_groups, self.weight, self.bias,
                             self.eps, activation=self.activation)


class GroupNormSiLU(GroupNorm):
    """GroupNorm followed by SiLU, in one pass (Stable Diffusion's
    ResNet blocks). The constructor is nn.GroupNorm's."""

    activation = "silu"

    def extra_repr(self):
        return super().extra_repr() + ", activation=silu"


class _InstanceNormMixin(_Adoptable):
    def _apply_instance_norm(self, input):
        return SF.instance_norm(
            input, self.running_mean, self.running_var, self.weight,
            self.bias, self.training or not self.track_running_stats,
            self.momentum, self.eps)


class InstanceNorm1d(_InstanceNormMixin, nn.InstanceNorm1d):
    """nn.InstanceNorm1d run by simdnorm."""


class InstanceNorm2d(_InstanceNormMixin, nn.InstanceNorm2d):
    """nn.InstanceNorm2d run by simdnorm."""


class InstanceNorm3d(_InstanceNormMixin, nn.InstanceNorm3d):
    """nn.InstanceNorm3d run by simdnorm."""


class _BatchNormMixin(_Adoptable):
    # nn.BatchNorm's forward, with simdnorm's batch_norm: in training mode
    # with tracked statistics, num_batches_tracked counts the call and
    # momentum=None averages over all batches; eval mode uses the running
    # statistics unless there are none.
    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats \
                and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked)
        use_batch_stats = self.training or (
            self.running_mean is None and self.running_var is None)
        pass_stats = not self.training or self.track_running_stats
        return SF.batch_norm(
            input, self.running_mean if pass_stats else None,
            self.running_var if pass_stats else None, self.weight, self.bias,
            use_batch_stats, factor, self.eps)


class BatchNorm1d(_BatchNormMixin, nn.BatchNorm1d):
    """nn.BatchNorm1d run by simdnorm."""


class BatchNorm2d(_BatchNormMixin, nn.BatchNorm2d):
    """nn.BatchNorm2d run by simdnorm."""


class BatchNorm3d(_BatchNormMixin, nn.BatchNorm3d):
    """nn.BatchNorm3d run by simdnorm."""
