"""patch(model) / unpatch(model): swap a model's norm layers for simdnorm's
in place, and back."""

from torch import nn

from . import modules as SM
from .functional import SUPPORTED_DTYPES

__all__ = ["PatchReport", "patch", "unpatch"]

# Exact classes only: a subclass may have its own forward (torchvision's
# ConvNeXt LayerNorm2d permutes its input, for one).
_REPLACEMENTS = {
    nn.LayerNorm: SM.LayerNorm,
    nn.GroupNorm: SM.GroupNorm,
    nn.InstanceNorm1d: SM.InstanceNorm1d,
    nn.InstanceNorm2d: SM.InstanceNorm2d,
    nn.InstanceNorm3d: SM.InstanceNorm3d,
    nn.BatchNorm1d: SM.BatchNorm1d,
    nn.BatchNorm2d: SM.BatchNorm2d,
    nn.BatchNorm3d: SM.BatchNorm3d,
}
_STATE = ("weight", "bias", "running_mean", "running_var")
# Attribute names read from user RMSNorm classes for eps, in this order.
RMS_NORM_EPS_ATTRIBUTES = ("eps", "variance_epsilon")


class PatchReport:
    """What patch() did.

    replaced: names of the modules now run by simdnorm (as in
        model.named_modules()), in model order.
    fused: (norm, activation) name pairs of GroupNorm + SiLU fused into one
        GroupNormSiLU (the SiLU became nn.Identity); the norm is in replaced.
    skipped: (name, reason) for norm layers left to PyTorch.
    """

    def __init__(self):
        self.replaced = []
        self.fused = []
        self.skipped = []

    def __repr__(self):
        return "PatchReport(replaced=%d, fused=%d, skipped=%d)" % (
            len(self.replaced), len(self.fused), len(self.skipped))

    def __str__(self):
        lines = ["simdnorm.torch.patch: %d replaced (%d GroupNorm+SiLU "
                 "fused), %d left to PyTorch" % (
                     len(self.replaced), len(self.fused), len(self.skipped))]
        lines += ["  skipped %s: %s" % (n or "<root>", r)
                  for n, r in self.skipped]
        return "\n".join(lines)


class _FusedActivation(nn.Identity):
    """Stands for an activation fused into the preceding norm."""

    def __init__(self, original):
        super().__init__()
        object.__setattr__(self, "simdnorm_original", original)

    def extra_repr(self):
        return "fused into the previous %s" % type(
            self.simdnorm_original).__name__


def _join(prefix, key):
    return key if not prefix else prefix + "." + key


def _edges(model):
    """(parent, key, child, child_name) for every submodule occurrence, in
    model order; a module reached twice (shared) appears twice."""
    out = []
    seen = set()

    def visit(module, prefix):
        if id(module) in seen:
            return
        seen.add(id(module))
        for key, child in module._modules.items():
            if child is None:
                continue
            name = _join(prefix, key)
            out.append((module, key, child, name))
            visit(child, name)

    visit(model, "")
    return out


def _tensor_problem(module, names, dtypes):
    for n in names:
        t = getattr(module, n, None)
        if t is None:
            continue
        if t.device.type != "cpu":
            return "%s on %s (CPU only)" % (n, t.device)
        if t.dtype not in dtypes:
            return "%s has dtype %s (%s only)" % (
                n, _dtype_name(t.dtype), ", ".join(map(_dtype_name, dtypes)))
    return None


def _dtype_name(dtype):
    return str(dtype).replace("torch.", "")


def _rms_eps(module):
    for attr in RMS_NORM_EPS_ATTRIBUTES:
        eps = getattr(module, attr, None)
        if isinstance(eps, (int, float)):
            return float(eps)
    return None


def _is_rms_class(module, rms_norm_classes):
    cls = type(module)
    for c in rms_norm_classes:
        if isinstance(c, str):
            if c in (cls.__name__, cls.__module__ + "." + cls.__qualname__):
                return True
        elif cls is c:
            return True
    return False


def _replacement(module, rms_norm_classes):
    """(replacement, None), (None, reason), or (None, None) for a module
    patch() does not concern itself with."""
    cls = type(module)
    is_rms = _is_rms_class(module, rms_norm_classes)
    if cls not in _REPLACEMENTS and not is_rms:
        for base in _REPLACEMENTS:
            if isinstance(module, base) and not isinstance(module, SM._Adoptable):
                return None, "%s.%s is a subclass of nn.%s (its forward may " \
                             "differ)" % (cls.__module__, cls.__qualname__,
                                          base.__name__)
        return None, None
    if module.training:
        return None, "training mode (batch statistics and autograd stay " \
                     "with PyTorch; call model.eval() first)"
    problem = _tensor_problem(module, _STATE, SUPPORTED_DTYPES)
    if problem:
        return None, problem
    if is_rms:
        weight = getattr(module, "weight", None)
        if not isinstance(weight, nn.Parameter):
            return None, "RMSNorm class without a `weight` Parameter"
        eps = _rms_eps(module)
        if eps is None:
            return None, "RMSNorm class without a numeric `eps` or " \
                         "`variance_epsilon` attribute"
        other = [n for n, _ in module.named_parameters() if n != "weight"]
        other += [n for n, _ in module.named_buffers()]
        if other:
            return None, "RMSNorm class with more state than `weight`: %s" \
                % ", ".join(other)
        return SM.RMSNorm.from_weight(weight, eps, original=module), None
    return _REPLACEMENTS[cls].from_module(module), None


def patch(model, rms_norm_classes=(), fuse_group_norm_silu=True):
    """Replaces model's norm layers, in place, by simdnorm modules sharing
    their parameters and buffers (the same tensors: weights loaded later
    apply to both). Returns a PatchReport.

    Replaced, in eval mode, with float32, bfloat16 or float16 CPU
    parameters: nn.LayerNorm, nn.GroupNorm, nn.InstanceNorm1d/2d/3d,
    nn.BatchNorm1d/2d/3d (exact classes; subclasses are reported and left
    alone), and modules of the
    rms_norm_classes given (classes, or class names as strings). An RMSNorm
    class must compute y = x * rsqrt(mean(x^2) + eps) * weight over the
    trailing dims of `weight` (an nn.Parameter, its only state) and keep
    eps in `eps` or `variance_epsilon` (as Hugging Face's LlamaRMSNorm).
    With fuse_group_norm_silu, an nn.GroupNorm directly followed by nn.SiLU
    in an nn.Sequential becomes one GroupNormSiLU and the SiLU nn.Identity.

    The replacements fall back to PyTorch where simdnorm cannot run
    (gradients to track, other dtypes), so the model keeps working after
    model.train(); unpatch(model) restores the original modules.
    """
    report = PatchReport()
    edges = _edges(model)
    occurrences = {}
    for _, _, child, _ in edges:
        occurrences[id(child)] = occurrences.get(id(child), 0) + 1

    new = {}      # id(original) -> replacement
    decided = set()
    if fuse_group_norm_silu:
        for parent in [model] + [c for _, _, c, _ in edges]:
            if type(parent) is not nn.Sequential:
                continue
            items = list(parent._modules.values())
            for a, b in zip(items, items[1:]):
                if (type(a) is nn.GroupNorm and type(b) is nn.SiLU
                        and occurrences.get(id(a)) == 1
                        and occurrences.get(id(b)) == 1
                        and id(a) not in decided and id(b) not in decided):
                    repl, _ = _replacement(a, ())
                    if repl is None:
                        continue  # reported below as a plain GroupNorm
                    fused = SM.GroupNormSiLU.from_module(a)
                    new[id(a)] = fused
                    new[id(b)] = _FusedActivation(b)
                    decided.update((id(a), id(b)))

    names = {}
    for _, _, child, name in edges:
        names.setdefault(id(child), name)
        if id(child) in decided:
            continue
        decided.add(id(child))
        repl, reason = _replacement(child, rms_norm_classes)
        if repl is not None:
            new[id(child)] = repl
        elif reason is not None:
            report.skipped.append((name, reason))

    if _replacement(model, rms_norm_classes)[0] is not None:
        report.skipped.append(("", "the root module cannot be replaced in "
                                   "place (patch its parent)"))

    for parent, key, child, name in edges:
        repl = new.get(id(child))
        if repl is None:
            continue
        parent._modules[key] = repl
        if names[id(child)] != name:
            continue  # a shared module: reported once
        if isinstance(repl, _FusedActivation):
            continue
        report.replaced.append(name)
    # Fused pairs, named after their places in the model.
    for parent, key, child, name in edges:
        if isinstance(new.get(id(child)), SM.GroupNormSiLU):
            items = list(parent._modules.items())
            i = [k for k, _ in items].index(key)
            report.fused.append((name, _join(name.rpartition(".")[0],
                                             items[i + 1][0])))
    return report


def unpatch(model):
    """Puts back the modules patch() replaced (the original objects, with
    the replacements' current parameters, buffers and training flag).
    Returns the names restored."""
    restored = []
    for parent, key, child, name in _edges(model):
        original = child.__dict__.get("simdnorm_original")
        if original is None:
            continue
        if not isinstance(child, _FusedActivation):
            for store in ("_parameters", "_buffers"):
                mine, theirs = getattr(child, store), getattr(original, store)
                for k in theirs:
                    if k in mine:
                        theirs[k] = mine[k]
            original.train(child.training)
        parent._modules[key] = original
        restored.append(name)
    return restored
