"""simdnorm: normalization kernels for CPU inference.

The PyTorch integration lives in :mod:`simdnorm.torch`::

    import simdnorm.torch
    report = simdnorm.torch.patch(model)   # model.eval(), float32, CPU
"""
