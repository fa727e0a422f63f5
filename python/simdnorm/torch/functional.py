"""Functions with torch.nn.functional's signatures, run by simdnorm.

Each runs the simdnorm op when it can: float32, bfloat16 or float16 CPU
tensors with no
gradient to track (torch.no_grad(), torch.inference_mode(), or inputs that
do not require grad). Otherwise it calls the torch function, so that
autograd, other dtypes and devices keep working. The extra keyword-only
arguments (activation=, residual=, residual_bias=, return_sum=) are
computed by the torch path too.

Output layout: layer_norm and rms_norm return contiguous tensors (as
torch); group_norm, instance_norm and batch_norm return the input's memory
format (channels-last stays channels-last, also where torch's group_norm
returns a contiguous tensor).
"""

import numbers

import torch
import torch.nn.functional as F

from . import _library

_library.load()
_ops = torch.ops.simdnorm

# The dtypes the ops run in simdnorm (statistics in float32, each output
# rounded once to the input's dtype).
SUPPORTED_DTYPES = (torch.float32, torch.bfloat16, torch.float16)

__all__ = [
    "SUPPORTED_DTYPES", "batch_norm", "group_norm", "instance_norm",
    "layer_norm", "rms_norm", "simdnorm_can_run",
]

_TORCH_ACTIVATIONS = {
    "relu": F.relu,
    "silu": F.silu,
    "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
}


def _activation_name(activation):
    if activation is None or activation == "none":
        return "none"
    if activation not in _TORCH_ACTIVATIONS:
        raise ValueError("unknown activation %r (none, %s)" %
                         (activation, ", ".join(_TORCH_ACTIVATIONS)))
    return activation


def _apply_torch_activation(y, name):
    return y if name == "none" else _TORCH_ACTIVATIONS[name](y)


_PLAIN_TENSOR_TYPES = (torch.Tensor, torch.nn.Parameter)
_SUPPORTED_DTYPE_SET = frozenset(SUPPORTED_DTYPES)


def _plain_cpu_tensor(t):
    # Tensor subclasses keep their own dispatch. t.is_cpu, not t.device:
    # building a torch.device costs about a microsecond, as much as a small
    # norm's arithmetic.
    return (type(t) in _PLAIN_TENSOR_TYPES and t.is_cpu
            and t.layout == torch.strided)


def simdnorm_can_run(input, *others, params=()):
    """Whether the simdnorm ops take these tensors (None entries are
    ignored): CPU, strided, no gradient to track, input of a supported
    dtype, `others` of the input's dtype, and `params` (weight and bias)
    all of one dtype, the input's or float32.
    """
    # Called on every forward of a patched module: plain loops over
    # attributes, no temporary containers.
    if not isinstance(input, torch.Tensor) or not _plain_cpu_tensor(input):
        return False
    dtype = input.dtype
    if dtype not in _SUPPORTED_DTYPE_SET:
        return False
    track_grad = torch.is_grad_enabled()
    if track_grad and input.requires_grad:
        return False
    for t in others:
        if t is not None and (t.dtype != dtype or not _plain_cpu_tensor(t)
                              or (track_grad and t.requires_grad)):
            return False
    param_dtype = None
    for t in params:
        if t is None:
            continue
        if param_dtype is None:
            param_dtype = t.dtype
            if param_dtype != dtype and param_dtype != torch.float32:
                return False
        elif t.dtype != param_dtype:
            return False
        if not _plain_cpu_tensor(t) or (track_grad and t.requires_grad):
            return False
    return True


def _row_norm_can_run(input, weight, bias, residual, residual_bias):
    return simdnorm_can_run(input, residual, residual_bias,
                            params=(weight, bias))


def _shape_tuple(normalized_shape):
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


def _residual_sum(input, residual, residual_bias):
    s = input
    if residual is not None:
        s = s + residual
    if residual_bias is not None:
        s = s + residual_bias
    return s


def _check_return_sum(return_sum, residual, residual_bias):
    if return_sum and residual is None and residual_bias is None:
        raise ValueError("return_sum=True needs a residual or a residual_bias")


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, *,
               residual=None, residual_bias=None, return_sum=False):
    """torch.nn.functional.layer_norm, optionally on
    s = input + residual + residual_bias (residual: input's shape,
    residual_bias: normalized_shape); with return_sum=True returns (y, s).
    """
    shape = _shape_tuple(normalized_shape)
    _check_return_sum(return_sum, residual, residual_bias)
    if _row_norm_can_run(input, weight, bias, residual, residual_bias):
        if return_sum:
            return _ops.layer_norm_residual(input, shape, weight, bias, eps,
                                            residual, residual_bias)
        return _ops.layer_norm(input, shape, weight, bias, eps, residual,
                               residual_bias)
    s = _residual_sum(input, residual, residual_bias)
    y = F.layer_norm(s, shape, weight, bias, eps)
    return (y, s) if return_sum else y


def rms_norm(input, normalized_shape, weight=None, eps=None, *,
             residual=None, residual_bias=None, return_sum=False):
    """RMSNorm over the trailing normalized_shape dims:
    y = x * rsqrt(mean(x^2) + eps) * weight (the signature of PyTorch 2.4's
    torch.nn.functional.rms_norm: eps=None means torch.finfo(dtype).eps).
    residual, residual_bias and return_sum as for layer_norm.
    """
    shape = _shape_tuple(normalized_shape)
    _check_return_sum(return_sum, residual, residual_bias)
    if eps is None:
        eps = torch.finfo(input.dtype).eps
    if _row_norm_can_run(input, weight, None, residual, residual_bias):
        if return_sum:
            return _ops.rms_norm_residual(input, shape, weight, eps, residual,
                                          residual_bias)
        return _ops.rms_norm(input, shape, weight, eps, residual,
                             residual_bias)
    s = _residual_sum(input, residual, residual_bias)
    dims = tuple(range(-len(shape), 0))
    y = s * torch.rsqrt(s.pow(2).mean(dims, keepdim=True) + eps)
    if weight is not None:
        y = y * weight
    return (y, s) if return_sum else y


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, *,
               activation=None):
    """torch.nn.functional.group_norm, with an optional fused activation
    ("relu", "silu", "gelu", "gelu_tanh")."""
    act = _activation_name(activation)
    if simdnorm_can_run(input, params=(weight, bias)) and input.dim() >= 2:
        return _ops.group_norm(input, num_groups, weight, bias, eps, act)
    return _apply_torch_activation(
        F.group_norm(input, num_groups, weight, bias, eps), act)


def _spatial_size(input):
    size = 1
    for s in input.shape[2:]:
        size *= s
    return size


def instance_norm(input, running_mean=None, running_var=None, weight=None,
                  bias=None, use_input_stats=True, momentum=0.1, eps=1e-5, *,
                  activation=None):
    """torch.nn.functional.instance_norm. With use_input_stats=False it
    normalizes with the running statistics (simdnorm's BatchNorm
    inference); with use_input_stats=True and running statistics to update,
    it is torch's."""
    act = _activation_name(activation)
    if simdnorm_can_run(input, running_mean, running_var,
                        params=(weight, bias)) and input.dim() >= 3:
        if use_input_stats and running_mean is None and running_var is None \
                and _spatial_size(input) > 1:
            return _ops.instance_norm(input, weight, bias, eps, act)
        if not use_input_stats and running_mean is not None \
                and running_var is not None:
            return _ops.batch_norm(input, running_mean, running_var, weight,
                                   bias, False, momentum, eps, act)
    return _apply_torch_activation(
        F.instance_norm(input, running_mean, running_var, weight, bias,
                        use_input_stats, momentum, eps), act)


def batch_norm(input, running_mean, running_var, weight=None, bias=None,
               training=False, momentum=0.1, eps=1e-5, *, activation=None):
    """torch.nn.functional.batch_norm: running statistics (training=False),
    or batch statistics with running_mean / running_var updated in place
    (momentum weighting, unbiased running variance) when given."""
    act = _activation_name(activation)
    if simdnorm_can_run(input, running_mean, running_var,
                        params=(weight, bias)) and input.dim() >= 2 and (running_mean is None) == (running_var is None) \
            and (training or running_mean is not None) \
            and not (training and input.shape[0] * _spatial_size(input) == 1):
        return _ops.batch_norm(input, running_mean, running_var, weight, bias,
                               training, momentum, eps, act)
    return _apply_torch_activation(
        F.batch_norm(input, running_mean, running_var, weight, bias,
                     training, momentum, eps), act)
