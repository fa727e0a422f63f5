"""Finds and loads the operator library (libsimdnorm_torch.so)."""

import os

import torch

LIBRARY_NAME = "libsimdnorm_torch.so"
ENV_VAR = "SIMDNORM_TORCH_LIBRARY"

_loaded_path = None


def _candidates():
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        # An explicit choice: nothing else is tried.
        return [explicit]
    package_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return [os.path.join(package_dir, LIBRARY_NAME)]


def load():
    """Loads the library once; returns its path."""
    global _loaded_path
    if _loaded_path is not None:
        return _loaded_path
    tried = _candidates()
    for path in tried:
        if os.path.isfile(path):
            torch.ops.load_library(path)
            _loaded_path = path
            return path
    raise ImportError(
        "simdnorm.torch: the operator library %s was not found (tried: %s). "
        "Build simdnorm with PyTorch installed and put <build>/python on "
        "PYTHONPATH, install it with `cmake --install`, or set %s to the "
        "library's path." % (LIBRARY_NAME, ", ".join(tried), ENV_VAR))
