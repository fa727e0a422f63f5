"""simdnorm.torch's functions and modules: the same results as
torch.nn.functional / torch.nn, the simdnorm ops where they can run and
torch's path (autograd included) where they cannot."""

import unittest

import torch
import torch.nn.functional as F
from torch import nn
from torch.profiler import profile

from support import st

TOL = dict(atol=3e-5, rtol=3e-5)


def simdnorm_ops_called(fn):
    """Names of the simdnorm:: ops fn() ran."""
    with profile() as prof:
        fn()
    return sorted({e.key for e in prof.key_averages()
                   if e.key.startswith("simdnorm::")})


class FunctionalTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)

    def close(self, a, b):
        torch.testing.assert_close(a, b, **TOL)

    def test_layer_and_rms_norm(self):
        x, w, b = torch.randn(4, 7, 32), torch.randn(32), torch.randn(32)
        with torch.no_grad():
            self.close(st.layer_norm(x, 32, w, b), F.layer_norm(x, [32], w, b))
            self.close(st.layer_norm(x, (7, 32)), F.layer_norm(x, (7, 32)))
            r, rb = torch.randn(4, 7, 32), torch.randn(32)
            y, s = st.layer_norm(x, [32], w, b, residual=r, residual_bias=rb,
                                 return_sum=True)
            self.close(s, x + r + rb)
            self.close(y, F.layer_norm(x + r + rb, [32], w, b))
            ref = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * w
            self.close(st.rms_norm(x, [32], w, eps=1e-6), ref)
            # eps=None: the dtype's machine epsilon (torch 2.4's default).
            eps = torch.finfo(torch.float32).eps
            self.close(st.rms_norm(x, [32]),
                       x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))
        with torch.inference_mode():
            self.assertEqual(simdnorm_ops_called(
                lambda: st.layer_norm(x, [32], w, b)), ["simdnorm::layer_norm"])
            self.assertEqual(simdnorm_ops_called(
                lambda: st.rms_norm(x, [32], w, residual=x, return_sum=True)),
                ["simdnorm::rms_norm_residual"])
        with self.assertRaises(ValueError):
            st.layer_norm(x, [32], return_sum=True)

    def test_channel_functions(self):
        x = torch.randn(2, 8, 5, 6).contiguous(memory_format=torch.channels_last)
        w, b = torch.randn(8), torch.randn(8)
        rm, rv = torch.randn(8), torch.rand(8) + 0.5
        with torch.inference_mode():
            y = st.group_norm(x, 4, w, b, activation="silu")
            self.close(y, F.silu(F.group_norm(x, 4, w, b)))
            self.assertTrue(y.is_contiguous(memory_format=torch.channels_last))
            self.close(st.instance_norm(x, weight=w, bias=b),
                       F.instance_norm(x, weight=w, bias=b))
            # Running statistics instead of the input's: BatchNorm inference.
            self.close(st.instance_norm(x, rm, rv, w, b, use_input_stats=False),
                       F.instance_norm(x, rm, rv, w, b, use_input_stats=False))
            self.assertEqual(simdnorm_ops_called(lambda: st.instance_norm(
                x, rm, rv, use_input_stats=False)), ["simdnorm::batch_norm"])
            self.close(st.batch_norm(x, rm, rv, w, b), F.batch_norm(x, rm, rv, w, b))
            rm2, rv2 = rm.clone(), rv.clone()
            y = st.batch_norm(x, rm, rv, w, b, training=True, momentum=0.3)
            self.close(y, F.batch_norm(x, rm2, rv2, w, b, True, 0.3))
            self.close(rm, rm2)
            self.close(rv, rv2)

    def test_fallbacks(self):
        # Gradients: torch's path, with a grad_fn and the right gradient.
        x = torch.randn(3, 16, requires_grad=True)
        w = torch.randn(16, requires_grad=True)
        y = st.layer_norm(x, [16], w)
        self.assertIsNotNone(y.grad_fn)
        y.sum().backward()
        self.assertIsNotNone(x.grad)
        xg = torch.randn(2, 4, 3, 3, requires_grad=True)
        for y in (st.group_norm(xg, 2, activation="silu"),
                  st.instance_norm(xg), st.batch_norm(
                      xg, None, None, training=True),
                  st.rms_norm(torch.randn(2, 8, requires_grad=True), [8])):
            self.assertIsNotNone(y.grad_fn)
        # Other dtypes: torch's path, torch's result.
        xd = torch.randn(2, 8, 4, dtype=torch.float64)
        with torch.no_grad():
            self.assertEqual(simdnorm_ops_called(
                lambda: st.layer_norm(xd, [4])), [])
            self.close(st.layer_norm(xd, [4]), F.layer_norm(xd, [4]))
            self.close(st.group_norm(xd, 2, activation="gelu"),
                       F.gelu(F.group_norm(xd, 2)))
            # One value per channel in batch statistics: torch's error.
            with self.assertRaises(ValueError):
                st.batch_norm(torch.randn(1, 4), None, None, training=True)
        with self.assertRaises(ValueError):
            st.group_norm(xd, 2, activation="tanh")

    def test_16bit_dtypes(self):
        # simdnorm runs them (parameters of the input's dtype or float32),
        # with a residual_bias of the input's dtype too.
        x = torch.randn(3, 8, 4).bfloat16()
        w, b = torch.randn(4), torch.randn(4)
        with torch.no_grad():
            for wi, bi in [(w, b), (w.bfloat16(), b.bfloat16())]:
                self.assertEqual(simdnorm_ops_called(
                    lambda: st.layer_norm(x, [4], wi, bi)), ["simdnorm::layer_norm"])
                self.assertEqual(simdnorm_ops_called(
                    lambda: st.rms_norm(x, [4], wi)), ["simdnorm::rms_norm"])
            self.assertEqual(simdnorm_ops_called(
                lambda: st.layer_norm(x, [4], w, residual_bias=b.bfloat16())),
                ["simdnorm::layer_norm"])
            # s = x + residual_bias in float32, normalized unrounded.
            got = st.layer_norm(x, [4], w, residual_bias=b.bfloat16())
            s = x.double() + b.bfloat16().double()
            want = F.layer_norm(s, [4], w.double())
            self.assertLessEqual(
                (got.double() - want).abs().max().item(),
                2.0 ** -8 * want.abs().max().item() + 1e-4)
            self.assertEqual(simdnorm_ops_called(
                lambda: st.group_norm(x, 4, torch.randn(8).bfloat16())),
                ["simdnorm::group_norm"])
            got = st.layer_norm(x, [4], w.bfloat16(), b.bfloat16())
            want = F.layer_norm(x.double(), [4], w.bfloat16().double(),
                                b.bfloat16().double())
            self.assertEqual(got.dtype, torch.bfloat16)
            self.assertLess((got.double() - want).abs().max().item(),
                            2 ** -7 * want.abs().max().item() + 1e-5)


class ModulesTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)

    def test_same_as_torch_modules(self):
        pairs = [
            (st.LayerNorm(24, eps=1e-6), nn.LayerNorm(24, eps=1e-6),
             torch.randn(3, 5, 24)),
            (st.GroupNorm(4, 16), nn.GroupNorm(4, 16), torch.randn(2, 16, 5, 5)),
            (st.InstanceNorm1d(6, affine=True), nn.InstanceNorm1d(6, affine=True),
             torch.randn(2, 6, 9)),
            (st.InstanceNorm2d(6), nn.InstanceNorm2d(6), torch.randn(2, 6, 4, 5)),
            (st.InstanceNorm3d(6, track_running_stats=True),
             nn.InstanceNorm3d(6, track_running_stats=True),
             torch.randn(2, 6, 3, 4, 5)),
            (st.BatchNorm1d(6), nn.BatchNorm1d(6), torch.randn(8, 6)),
            (st.BatchNorm2d(6, momentum=None), nn.BatchNorm2d(6, momentum=None),
             torch.randn(4, 6, 3, 3)),
            (st.BatchNorm3d(6, track_running_stats=False),
             nn.BatchNorm3d(6, track_running_stats=False),
             torch.randn(2, 6, 3, 3, 3)),
        ]
        for ours, theirs, x in pairs:
            name = type(ours).__name__
            self.assertIsInstance(ours, type(theirs))
            self.assertEqual(list(ours.state_dict()), list(theirs.state_dict()))
            with torch.no_grad():
                for p in theirs.parameters():
                    p.uniform_(0.5, 1.5)
            ours.load_state_dict(theirs.state_dict())
            for mode in ("train", "eval", "train"):
                ours.train(mode == "train")
                theirs.train(mode == "train")
                with torch.no_grad():
                    torch.testing.assert_close(ours(x), theirs(x), **TOL,
                                               msg="%s %s" % (name, mode))
                torch.testing.assert_close(ours.state_dict(),
                                           theirs.state_dict(), **TOL)
            # Unbatched input where torch takes it (InstanceNorm).
            if isinstance(ours, nn.InstanceNorm1d):
                with torch.no_grad():
                    torch.testing.assert_close(ours(x[0]), theirs(x[0]), **TOL)
            # With autograd: torch's path.
            if ours.weight is not None:
                ours.train()
                ours(x).sum().backward()
                self.assertIsNotNone(ours.weight.grad)

    def test_rms_norm_and_group_norm_silu(self):
        m = st.RMSNorm(32, eps=1e-5)
        self.assertEqual(list(m.state_dict()), ["weight"])
        x = torch.randn(4, 32)
        with torch.no_grad():
            m.weight.uniform_(0.5, 1.5)
            want = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * m.weight
            torch.testing.assert_close(m(x), want, **TOL)
        g = st.GroupNormSiLU(2, 8)
        x = torch.randn(2, 8, 3, 3)
        with torch.no_grad():
            torch.testing.assert_close(g(x), F.silu(F.group_norm(x, 2, g.weight, g.bias)),
                                       **TOL)


if __name__ == "__main__":
    unittest.main()
