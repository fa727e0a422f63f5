"""The simdnorm:: ops against the matching torch functions: many shapes,
memory formats, strided views, optional operands; layouts kept; bad
arguments raise; results follow torch.set_num_threads bit-identically."""

import os
import threading
import unittest

import torch
import torch.nn.functional as F

from support import max_abs_diff, ops

TOL = dict(atol=2e-5, rtol=2e-5)
ACTIVATIONS = {
    "none": lambda y: y,
    "relu": F.relu,
    "silu": F.silu,
    "gelu": F.gelu,
    "gelu_tanh": lambda y: F.gelu(y, approximate="tanh"),
}


def rand(*shape, scale=1.0, offset=0.0):
    return torch.randn(*shape) * scale + offset


def in_double(fn, *args, **kwargs):
    """fn (a torch function) computed in float64 on copies of the tensor
    arguments: the reference (float32 PyTorch has errors of its own, e.g.
    on a constant row)."""
    def conv(a):
        return a.double() if isinstance(a, torch.Tensor) else a
    out = fn(*[conv(a) for a in args],
             **{k: conv(v) for k, v in kwargs.items()})
    return out.float()


def params(n):
    return rand(n, scale=0.5, offset=1.0), rand(n, scale=0.5)


def rms_reference(x, shape, weight, eps):
    dims = tuple(range(-len(shape), 0))
    xd = x.double()
    y = xd * torch.rsqrt(xd.pow(2).mean(dims, keepdim=True) + eps)
    return (y * weight.double() if weight is not None else y).float()




def assert_same_layout(test, y, x, what):
    want = expected_strides(x)
    got = [st for st, n in zip(y.stride(), y.shape) if n > 1]
    want = [st for st, n in zip(want, x.shape) if n > 1]
    test.assertEqual(got, want, "%s: strides %s" % (what, y.stride()))


class Base(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self._grad = torch.is_grad_enabled()
        torch.set_grad_enabled(False)

    def tearDown(self):
        torch.set_grad_enabled(self._grad)

    def close(self, got, want, msg=None, **tol):
        torch.testing.assert_close(got, want, **(tol or TOL), msg=msg)

    def raises(self, exc, pattern, fn, *args):
        with self.assertRaisesRegex(exc, pattern):
            fn(*args)


class LayerNormTest(Base):
    SHAPES = [((1, 1), 1), ((3, 7), 1), ((2, 5, 33), 1), ((4, 3, 2, 17), 2),
              ((5, 1000), 1), ((2, 3, 4, 5), 3), ((64, 768), 1), ((1, 4096), 1)]

    def test_shapes_and_optional_params(self):
        for shape, nd in self.SHAPES:
            ns = list(shape[-nd:])
            x = rand(*shape, scale=2.0, offset=0.5)
            w, b = rand(*ns, offset=1.0), rand(*ns)
            for wi, bi in [(w, b), (w, None), (None, b), (None, None)]:
                y = ops.layer_norm(x, ns, wi, bi, 1e-5)
                self.assertTrue(y.is_contiguous())
                self.assertEqual(y.shape, x.shape)
                self.close(y, in_double(F.layer_norm, x, ns, wi, bi, 1e-5),
                           msg=lambda m: "%s nd=%d: %s" % (shape, nd, m))

    def test_eps(self):
        x = rand(6, 40)
        for eps in (0.0, 1e-6, 1e-2, 3.0):
            self.close(ops.layer_norm(x, [40], None, None, eps),
                       in_double(F.layer_norm, x, [40], None, None, eps))

    def test_strided_views(self):
        base = rand(6, 9, 40)
        w, b = params(20)
        views = {
            "last position of each row": base[:, -1, :20],
            "every other row": base[::2, :, :20],
            "slice of the row": base[:, 3:7, 10:30],
            "transposed leading dims": base[:, :, :20].transpose(0, 1),
            "transposed row (copy)": rand(20, 12).t(),
            "expanded (stride 0)": rand(1, 20).expand(5, 20),
        }
        for name, x in views.items():
            y = ops.layer_norm(x, [20], w, b, 1e-5)
            self.assertTrue(y.is_contiguous(), name)
            self.close(y, in_double(F.layer_norm, x, [20], w, b, 1e-5), msg=name)

    def test_residual(self):
        for shape in [(3, 7), (2, 5, 64), (1, 1, 4096)]:
            c = shape[-1]
            x, r, rb = rand(*shape), rand(*shape), rand(c)
            w, b = params(c)
            for res, res_bias in [(r, None), (None, rb), (r, rb)]:
                s = x
                if res is not None:
                    s = s + res
                if res_bias is not None:
                    s = s + res_bias
                want = in_double(F.layer_norm, s, [c], w, b, 1e-5)
                self.close(ops.layer_norm(x, [c], w, b, 1e-5, res, res_bias),
                           want)
                y, got_sum = ops.layer_norm_residual(x, [c], w, b, 1e-5, res,
                                                     res_bias)
                self.close(y, want)
                self.close(got_sum, s)
                self.assertTrue(got_sum.is_contiguous())

    def test_strided_residual(self):
        x = rand(4, 32)
        r = rand(8, 48)[::2, 8:40]
        self.close(ops.layer_norm(x, [32], None, None, 1e-5, r, None),
                   in_double(F.layer_norm, x + r, [32]))

    def test_empty(self):
        y = ops.layer_norm(torch.empty(0, 8), [8], None, None, 1e-5)
        self.assertEqual(y.shape, (0, 8))


class RmsNormTest(Base):
    def test_shapes(self):
        for shape, nd in LayerNormTest.SHAPES:
            ns = list(shape[-nd:])
            x = rand(*shape, scale=3.0)
            w = rand(*ns, offset=1.0)
            for wi in (w, None):
                for eps in (1e-6, 1e-5):
                    self.close(ops.rms_norm(x, ns, wi, eps),
                               rms_reference(x, ns, wi, eps))

    def test_views_and_residual(self):
        base = rand(6, 9, 40)
        w = rand(20, offset=1.0)
        for x in (base[:, -1, :20], base[::3, :, 5:25], rand(20, 7).t()):
            self.close(ops.rms_norm(x, [20], w, 1e-6),
                       rms_reference(x, [20], w, 1e-6))
        x, r, rb = rand(5, 64), rand(5, 64), rand(64)
        y, s = ops.rms_norm_residual(x, [64], w.repeat(4)[:64], 1e-6, r, rb)
        self.close(s, x + r + rb)
        self.close(y, rms_reference(x + r + rb, [64], w.repeat(4)[:64], 1e-6))


def channel_inputs(shape):
    """Inputs of the given (N, C, *) shape in every memory arrangement the
    tests cover, by name."""
    n, c = shape[0], shape[1]
    dim = len(shape)
    x = rand(*shape, scale=2.0, offset=0.3)
    out = {"contiguous": x}
    if dim == 4:
        out["channels_last"] = x.contiguous(memory_format=torch.channels_last)
    if dim == 5:
        out["channels_last_3d"] = x.contiguous(
            memory_format=torch.channels_last_3d)
    if dim >= 3:
        # C innermost for any spatial rank: dense (N, *, C) seen as (N, C, *).
        perm = [0] + list(range(2, dim)) + [1]
        inv = [0, dim - 1] + list(range(1, dim - 1))
        out["channels_innermost"] = x.permute(perm).contiguous().permute(inv)
        # Spatial slice: not dense per sample, copied.
        wide = rand(*(shape[:-1] + (shape[-1] + 3,)))
        out["spatial_slice"] = wide[..., 1:shape[-1] + 1]
    # Views along N (batch stride) and along C.
    big = rand(*((2 * n,) + shape[1:]))
    out["every_other_sample"] = big[::2]
    more_c = rand(*((n, c + 4) + shape[2:]))
    out["channel_slice"] = more_c[:, 2:c + 2]
    if dim == 4:
        big_cl = big.contiguous(memory_format=torch.channels_last)
        out["channels_last_every_other_sample"] = big_cl[::2]
    return out


def expected_strides(x):
    """The strides the output must have: the input's memory format, dense
    (channels innermost when they are in x and there are spatial dims)."""
    spatial = 1
    for n in x.shape[2:]:
        spatial *= n
    if x.dim() >= 3 and x.stride(1) == 1 and x.size(1) > 1 and spatial > 1:
        perm = [0] + list(range(2, x.dim())) + [1]
        inv = [0, x.dim() - 1] + list(range(1, x.dim() - 1))
        return torch.empty(x.permute(perm).shape).permute(inv).stride()
    return torch.empty(x.shape).stride()


class Storage16Test(Base):
    """LayerNorm and RMSNorm on bfloat16 and float16 tensors: the float64
    reference of the stored inputs, rounded once to the dtype; outputs
    within 1 ulp of it (the C API's contract; 2e-5 absolute for outputs
    much smaller than their row's scale)."""
    DTYPES = {torch.bfloat16: 2.0 ** -7, torch.float16: 2.0 ** -10}

    def check(self, got, want_double, dtype, what):
        self.assertEqual(got.dtype, dtype, what)
        ulp = self.DTYPES[dtype]
        err = (got.double() - want_double).abs()
        bound = want_double.abs() * ulp + 2e-5
        worst = (err - bound).max().item() if err.numel() else 0.0
        self.assertLessEqual(worst, 0.0, "%s: error past 1 ulp by %g" %
                             (what, worst))

    def test_layer_norm_and_rms_norm(self):
        for dtype in self.DTYPES:
            for shape in [(1, 1), (3, 7), (5, 33), (2, 3, 768), (1, 4097)]:
                c = shape[-1]
                x = rand(*shape, scale=3.0, offset=1.5).to(dtype)
                w, b = params(c)
                for pdtype in (dtype, torch.float32):
                    wp, bp = w.to(pdtype), b.to(pdtype)
                    what = "%s %s params %s" % (dtype, shape, pdtype)
                    self.check(ops.layer_norm(x, [c], wp, bp, 1e-5),
                               F.layer_norm(x.double(), [c], wp.double(),
                                            bp.double(), 1e-5), dtype, what)
                    self.check(ops.rms_norm(x, [c], wp, 1e-6),
                               self.rms_double(x, c, wp, 1e-6), dtype,
                               "rms " + what)

    @staticmethod
    def rms_double(x, c, w, eps):
        xd = x.double()
        return xd * torch.rsqrt(xd.pow(2).mean(-1, keepdim=True) + eps) * \
            w.double()

    def test_residual_sum_rounds_once(self):
        for dtype in self.DTYPES:
            x = rand(4, 96, scale=4.0).to(dtype)
            r = rand(8, 96)[::2].to(dtype)  # strided rows
            w, b = (t.to(dtype) for t in params(96))
            y, s = ops.layer_norm_residual(x, [96], w, b, 1e-5, r, None)
            # The sum is formed in float32 and rounded once, as torch's.
            self.assertTrue(torch.equal(s, (x.float() + r.float()).to(dtype)))
            # y is formed from the float32 sum (not from s, rounded).
            exact = (x.float() + r.float()).double()
            self.check(y, F.layer_norm(exact, [96], w.double(), b.double(),
                                       1e-5), dtype, str(dtype))

    def test_large_values_do_not_overflow(self):
        # fp16 near its largest value: the sum of squares is far beyond
        # fp16's range (kept in float32 lanes).
        x = torch.full((2, 1024), 60000.0).to(torch.float16)
        x[:, ::2] = -30000.0
        y = ops.rms_norm(x, [1024], None, 1e-6)
        self.assertTrue(torch.isfinite(y).all())
        self.check(y, self.rms_double(x, 1024, torch.ones(1024), 1e-6),
                   torch.float16, "fp16 near 65504")

    def test_errors(self):
        x = rand(2, 8).to(torch.bfloat16)
        self.raises(TypeError, "input's dtype", ops.layer_norm, x, [8],
                    torch.ones(8, dtype=torch.float16), None, 1e-5)
        self.raises(TypeError, "bias has dtype", ops.layer_norm, x, [8],
                    torch.ones(8), torch.zeros(8, dtype=torch.bfloat16), 1e-5)
        self.raises(TypeError, "residual has dtype", ops.layer_norm, x, [8],
                    None, None, 1e-5, rand(2, 8), None)
        self.raises(TypeError, "residual_bias has dtype", ops.layer_norm, x,
                    [8], None, None, 1e-5, None, rand(8))
        self.raises(TypeError, "running_mean must be float32 or of the "
                    "input's dtype", ops.batch_norm, rand(2, 8, 4).half(),
                    torch.zeros(8).bfloat16(), torch.ones(8), None, None,
                    False, 0.1, 1e-5, "none")

    def test_channel_ops(self):
        for dtype in self.DTYPES:
            for layout in (torch.contiguous_format, torch.channels_last):
                x = rand(2, 8, 5, 7, scale=2.0, offset=1.0).to(dtype) \
                    .contiguous(memory_format=layout)
                w, b = (t.to(dtype) for t in params(8))
                what = "%s %s" % (dtype, layout)
                xd = x.double()
                y = ops.group_norm(x, 4, w, b, 1e-5, "silu")
                self.assertTrue(y.is_contiguous(memory_format=layout), what)
                self.check(y, F.silu(F.group_norm(xd, 4, w.double(),
                                                  b.double(), 1e-5)),
                           dtype, "group_norm " + what)
                self.check(ops.instance_norm(x, w.float(), b.float(), 1e-5,
                                             "none"),
                           F.instance_norm(xd, weight=w.double(),
                                           bias=b.double(), eps=1e-5),
                           dtype, "instance_norm " + what)
                rm, rv = rand(8).to(dtype), (rand(8).abs() + 0.5).to(dtype)
                self.check(ops.batch_norm(x, rm, rv, w, b, False, 0.1, 1e-5,
                                          "none"),
                           F.batch_norm(xd, rm.double(), rv.double(),
                                        w.double(), b.double(), False, 0.1,
                                        1e-5),
                           dtype, "batch_norm " + what)
                # Batch statistics update 16-bit running statistics (each
                # rounded once from the float32 update).
                rm2, rv2 = rm.clone(), rv.clone()
                y = ops.batch_norm(x, rm2, rv2, w, b, True, 0.1, 1e-5,
                                   "none")
                rmd, rvd = rm.double(), rv.double()
                want = F.batch_norm(xd, rmd, rvd, w.double(), b.double(),
                                    True, 0.1, 1e-5)
                self.check(y, want, dtype, "batch_norm training " + what)
                self.check(rm2, rmd, dtype, "running_mean " + what)
                self.check(rv2, rvd, dtype, "running_var " + what)


class GroupNormTest(Base):
    SHAPES = [((2, 6, 5), 3), ((3, 4, 1), 2), ((2, 8, 7, 9), 4),
              ((1, 64, 16, 16), 32), ((1, 4, 3, 5, 6), 2), ((4, 12), 3),
              ((2, 32, 13), 32), ((2, 320, 8, 8), 32)]

    def test_layouts_and_views(self):
        for shape, g in self.SHAPES:
            c = shape[1]
            w, b = params(c)
            for name, x in channel_inputs(shape).items():
                y = ops.group_norm(x, g, w, b, 1e-5, "none")
                what = "%s %s" % (shape, name)
                self.close(y, in_double(F.group_norm, x, g, w, b, 1e-5), msg=what)
                assert_same_layout(self, y, x, what)
                if name.startswith("channels_last"):
                    fmt = (torch.channels_last if x.dim() == 4 else
                           torch.channels_last_3d)
                    self.assertTrue(y.is_contiguous(memory_format=fmt), what)

    def test_optional_params_and_activations(self):
        x = rand(2, 16, 6, 7).contiguous(memory_format=torch.channels_last)
        w, b = params(16)
        for wi, bi in [(w, b), (None, b), (w, None), (None, None)]:
            for act, fn in ACTIVATIONS.items():
                self.close(ops.group_norm(x, 4, wi, bi, 1e-5, act),
                           fn(in_double(F.group_norm, x, 4, wi, bi, 1e-5)), msg=act)


class InstanceNormTest(Base):
    def test_layouts_and_views(self):
        for shape in [(2, 6, 5), (3, 4, 2), (2, 8, 7, 9), (1, 3, 3, 5, 6),
                      (2, 64, 33)]:
            c = shape[1]
            w, b = params(c)
            for name, x in channel_inputs(shape).items():
                for wi, bi in [(w, b), (None, None)]:
                    y = ops.instance_norm(x, wi, bi, 1e-5, "none")
                    what = "%s %s" % (shape, name)
                    self.close(y, in_double(F.instance_norm, x, weight=wi, bias=bi),
                               msg=what)
                    assert_same_layout(self, y, x, what)

    def test_activation(self):
        x = rand(2, 8, 10, 10)
        self.close(ops.instance_norm(x, None, None, 1e-5, "silu"),
                   F.silu(in_double(F.instance_norm, x)))


class BatchNormTest(Base):
    SHAPES = [(32, 64), (5, 3), (4, 6, 7), (2, 8, 7, 9), (1, 16, 5, 5),
              (2, 4, 3, 5, 6), (3, 32, 14, 14)]

    def stats(self, c):
        return rand(c, scale=0.5), torch.rand(c) + 0.5

    def test_inference(self):
        for shape in self.SHAPES:
            c = shape[1]
            w, b = params(c)
            rm, rv = self.stats(c)
            for name, x in channel_inputs(shape).items():
                for wi, bi in [(w, b), (None, None)]:
                    y = ops.batch_norm(x, rm, rv, wi, bi, False, 0.1, 1e-5,
                                       "none")
                    what = "%s %s" % (shape, name)
                    self.close(y, in_double(F.batch_norm, x, rm, rv, wi, bi,
                                            False, 0.1, 1e-5), msg=what)
                    assert_same_layout(self, y, x, what)

    def test_inference_activation(self):
        x = rand(2, 16, 5, 5).contiguous(memory_format=torch.channels_last)
        rm, rv = self.stats(16)
        for act, fn in ACTIVATIONS.items():
            self.close(ops.batch_norm(x, rm, rv, None, None, False, 0.1,
                                      1e-5, act),
                       fn(in_double(F.batch_norm, x, rm, rv)), msg=act)

    def test_batch_statistics_update_running_stats(self):
        for shape in self.SHAPES:
            c = shape[1]
            w, b = params(c)
            for name, x in channel_inputs(shape).items():
                for momentum in (0.1, 0.5, 1.0, 0.0):
                    rm, rv = self.stats(c)
                    rm_t, rv_t = rm.double(), rv.double()
                    y = ops.batch_norm(x, rm, rv, w, b, True, momentum, 1e-5,
                                       "none")
                    want = F.batch_norm(x.double(), rm_t, rv_t, w.double(),
                                        b.double(), True, momentum,
                                        1e-5).float()
                    rm_t, rv_t = rm_t.float(), rv_t.float()
                    what = "%s %s momentum %g" % (shape, name, momentum)
                    self.close(y, want, msg=what)
                    self.close(rm, rm_t, msg=what)
                    self.close(rv, rv_t, msg=what)
                    assert_same_layout(self, y, x, what)

    def test_batch_statistics_without_running_stats(self):
        x = rand(4, 6, 5, 5)
        self.close(ops.batch_norm(x, None, None, None, None, True, 0.1, 1e-5,
                                  "none"),
                   in_double(F.batch_norm, x, None, None, training=True))

    def test_strided_running_stats_updated_in_place(self):
        x = rand(8, 6, 3, 3)
        rm_store, rv_store = rand(12), torch.rand(12) + 0.5
        rm, rv = rm_store[::2], rv_store[::2]
        rm_t, rv_t = rm.clone(), rv.clone()
        ops.batch_norm(x, rm, rv, None, None, True, 0.1, 1e-5, "none")
        F.batch_norm(x, rm_t, rv_t, None, None, True, 0.1, 1e-5)
        self.close(rm_store[::2], rm_t)
        self.close(rv_store[::2], rv_t)


class ErrorTest(Base):
    """Bad arguments raise (never crash), with the op's name."""

    def test_layer_norm(self):
        x = rand(4, 8)
        self.raises(RuntimeError, "does not end with", ops.layer_norm, x,
                    [7], None, None, 1e-5)
        self.raises(RuntimeError, "at least 1", ops.layer_norm, x, [], None,
                    None, 1e-5)
        self.raises(RuntimeError, "weight has shape", ops.layer_norm, x,
                    [8], rand(7), None, 1e-5)
        self.raises(RuntimeError, "residual has shape", ops.layer_norm, x,
                    [8], None, None, 1e-5, rand(4, 9), None)
        self.raises(RuntimeError, "residual_bias has shape", ops.layer_norm,
                    x, [8], None, None, 1e-5, None, rand(4, 8))
        self.raises(RuntimeError, "needs a residual",
                    ops.layer_norm_residual, x, [8], None, None, 1e-5)
        self.raises(RuntimeError, "eps", ops.layer_norm, x, [8], None, None,
                    -1.0)
        self.raises(RuntimeError, "eps", ops.rms_norm, x, [8], None,
                    float("nan"))

    def test_dtypes(self):
        for dtype in (torch.float64, torch.int32):
            x = torch.ones(2, 8, 4, 4, dtype=dtype)
            self.raises(TypeError, "not supported", ops.layer_norm, x, [4],
                        None, None, 1e-5)
            self.raises(TypeError, "not supported", ops.rms_norm, x, [4],
                        None, 1e-5)
            self.raises(TypeError, "not supported", ops.group_norm, x, 2,
                        None, None, 1e-5, "none")
            self.raises(TypeError, "not supported", ops.instance_norm, x,
                        None, None, 1e-5, "none")
            self.raises(TypeError, "not supported", ops.batch_norm, x,
                        torch.zeros(8), torch.ones(8), None, None, False, 0.1,
                        1e-5, "none")
        x = rand(2, 8)
        self.raises(TypeError, "weight and bias must have the input's dtype",
                    ops.layer_norm, x, [8], torch.ones(8, dtype=torch.float64),
                    None, 1e-5)
        self.raises(TypeError, "running_mean must be float32", ops.batch_norm,
                    x, torch.zeros(8, dtype=torch.float64), torch.ones(8),
                    None, None, False, 0.1, 1e-5, "none")

    def test_channel_ops(self):
        x = rand(2, 6, 4, 4)
        self.raises(RuntimeError, "divide", ops.group_norm, x, 4, None, None,
                    1e-5, "none")
        self.raises(RuntimeError, "divide", ops.group_norm, x, 0, None, None,
                    1e-5, "none")
        self.raises(RuntimeError, r"\(N, C, \*\)", ops.group_norm, rand(6), 2,
                    None, None, 1e-5, "none")
        self.raises(RuntimeError, "weight has shape", ops.group_norm, x, 3,
                    rand(5), None, 1e-5, "none")
        self.raises(RuntimeError, "bias has shape", ops.instance_norm, x,
                    None, rand(6, 1), 1e-5, "none")
        self.raises(ValueError, "unknown activation", ops.group_norm, x, 3,
                    None, None, 1e-5, "swish")
        self.raises(RuntimeError, "needs running_mean", ops.batch_norm, x,
                    None, None, None, None, False, 0.1, 1e-5, "none")
        self.raises(RuntimeError, "or neither", ops.batch_norm, x,
                    torch.zeros(6), None, None, None, True, 0.1, 1e-5, "none")
        self.raises(RuntimeError, "running_var has shape", ops.batch_norm, x,
                    torch.zeros(6), torch.ones(5), None, None, False, 0.1,
                    1e-5, "none")
        self.raises(RuntimeError, "more than 1 value", ops.batch_norm,
                    rand(1, 6), None, None, None, None, True, 0.1, 1e-5,
                    "none")
        self.raises(RuntimeError, "momentum", ops.batch_norm, x,
                    torch.zeros(6), torch.ones(6), None, None, True, 1.5,
                    1e-5, "none")

    def test_autograd(self):
        x = rand(3, 8).requires_grad_()
        w = torch.ones(8, requires_grad=True)
        with torch.enable_grad():
            self.raises(RuntimeError, "no backward", ops.layer_norm, x, [8],
                        None, None, 1e-5)
            self.raises(RuntimeError, "weight requires grad", ops.layer_norm,
                        x.detach(), [8], w, None, 1e-5)
            self.raises(RuntimeError, "no backward", ops.group_norm,
                        rand(2, 4, 3).requires_grad_(), 2, None, None, 1e-5,
                        "none")
        # Without grad mode the same tensors are fine.
        with torch.no_grad():
            self.close(ops.layer_norm(x, [8], w, None, 1e-5),
                       in_double(F.layer_norm, x, [8], w))
        with torch.inference_mode():
            self.close(ops.layer_norm(x, [8], w, None, 1e-5),
                       in_double(F.layer_norm, x, [8], w))


class ThreadsTest(Base):
    """The ops follow torch.set_num_threads at every call, with bit-identical
    results for any thread count."""

    def setUp(self):
        super().setUp()
        self._threads = torch.get_num_threads()

    def tearDown(self):
        torch.set_num_threads(self._threads)
        super().tearDown()

    def run_all(self):
        torch.manual_seed(1)
        x = rand(2048, 1024, scale=3.0, offset=2.0)
        row = rand(1, 262144)
        cl = rand(2, 320, 32, 32).contiguous(memory_format=torch.channels_last)
        nchw = rand(2, 320, 32, 32)
        w, b = params(320)
        rm, rv = rand(320), torch.rand(320) + 0.5
        out = [
            ops.layer_norm(x, [1024], None, None, 1e-5),
            ops.layer_norm(row, [262144], None, None, 1e-5),
            ops.rms_norm(x, [1024], None, 1e-6),
            ops.group_norm(cl, 32, w, b, 1e-5, "silu"),
            ops.group_norm(nchw, 32, w, b, 1e-5, "none"),
            ops.group_norm(rand(1, 64, 128, 128), 1, None, None, 1e-5, "none"),
            ops.instance_norm(nchw, w, b, 1e-5, "none"),
            ops.batch_norm(cl, rm, rv, w, b, False, 0.1, 1e-5, "relu"),
            ops.batch_norm(nchw, rm.clone(), rv.clone(), w, b, True, 0.1,
                           1e-5, "none"),
        ]
        return out

    def test_bit_identical_across_thread_counts(self):
        results = {}
        for threads in (1, 2, 1, 3, 2):
            torch.set_num_threads(threads)
            self.assertEqual(torch.get_num_threads(), threads)
            results.setdefault(threads, []).append(self.run_all())
        reference = results[1][0]
        for threads, runs in results.items():
            for run in runs:
                for i, (got, want) in enumerate(zip(run, reference)):
                    self.assertTrue(torch.equal(got, want),
                                    "op %d with %d threads differs by %g" %
                                    (i, threads, max_abs_diff(got, want)))


def thread_cpu_ticks():
    """CPU time (clock ticks) of each thread of this process, by thread id."""
    ticks = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open("/proc/self/task/%s/stat" % tid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended
        ticks[tid] = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks


class PoolTest(Base):
    @unittest.skipUnless(os.path.isdir("/proc/self/task"), "needs Linux /proc")
    def test_tasks_run_on_pytorch_pool(self):
        """With 2 threads, the tasks run on PyTorch's intra-op pool: a thread
        other than the caller's does part of the work."""
        saved = torch.get_num_threads()
        torch.set_num_threads(2)
        try:
            x = rand(1, 256, 128, 128).contiguous(
                memory_format=torch.channels_last)
            ops.group_norm(x, 32, None, None, 1e-5, "silu")
            caller = str(threading.get_native_id())
            before = thread_cpu_ticks()
            for _ in range(40):
                ops.group_norm(x, 32, None, None, 1e-5, "silu")
            after = thread_cpu_ticks()
        finally:
            torch.set_num_threads(saved)
        workers = {t: after[t] - before.get(t, 0) for t in after
                   if t != caller and after[t] > before.get(t, 0)}
        self.assertTrue(workers, "no pool thread ran any task")


class NumericsShowcaseTest(Base):
    def test_channels_last_group_norm_large_mean(self):
        """Channels-last GroupNorm on data of mean 1e4, std 1."""
        x = rand(2, 64, 16, 16, offset=1e4).contiguous(
            memory_format=torch.channels_last)
        w, b = params(64)
        xd = x.double()
        ref = F.group_norm(xd.contiguous(), 32, w.double(), b.double(), 1e-5)
        ours = max_abs_diff(ops.group_norm(x, 32, w, b, 1e-5, "none"), ref)
        theirs = max_abs_diff(F.group_norm(x, 32, w, b, 1e-5), ref)
        print("\n  GroupNorm(32) channels_last 2x64x16x16, mean 1e4 std 1, "
              "max abs error vs float64: simdnorm %.2g, PyTorch %s %.2g" %
              (ours, torch.__version__, theirs))
        self.assertLess(ours, 1e-5)


if __name__ == "__main__":
    unittest.main()
