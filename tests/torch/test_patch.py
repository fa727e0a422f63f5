"""simdnorm.torch.patch / unpatch on a model with every kind of norm layer,
and the ones patch must leave alone."""

import copy
import unittest

import torch
import torch.nn.functional as F
from torch import nn
from torch.profiler import profile

from support import relative_diff, st


class LlamaStyleRMSNorm(nn.Module):
    """The usual user RMSNorm (Hugging Face's LlamaRMSNorm)."""

    def __init__(self, hidden, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden))
        self.variance_epsilon = eps

    def forward(self, x):
        variance = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(variance + self.variance_epsilon))


class ShiftedLayerNorm(nn.LayerNorm):
    """A subclass with its own forward: must be left alone."""

    def forward(self, x):
        return super().forward(x) + 1.0


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1)
        self.block = nn.Sequential(nn.GroupNorm(4, 16), nn.SiLU(),
                                   nn.Conv2d(16, 16, 3, padding=1))
        self.lone_gn = nn.GroupNorm(8, 16)
        self.bn = nn.BatchNorm2d(16)
        self.inorm = nn.InstanceNorm2d(16, affine=True)
        self.inorm_tracked = nn.InstanceNorm2d(16, track_running_stats=True)
        self.inorm1d = nn.InstanceNorm1d(4)
        self.bn_untracked = nn.BatchNorm2d(16, track_running_stats=False)
        self.train_bn = nn.BatchNorm2d(16)
        self.bn3d = nn.BatchNorm3d(2)
        self.ln = nn.LayerNorm(16)
        self.rms = LlamaStyleRMSNorm(16)
        self.sub = ShiftedLayerNorm(16)
        self.shared_a = nn.LayerNorm(16)
        self.shared_b = self.shared_a
        self.bn1d = nn.BatchNorm1d(16)
        self.ln64 = nn.LayerNorm(16).double()

    def forward(self, x):
        x = self.block(self.conv(x))
        x = self.bn(self.lone_gn(x))
        x = self.inorm_tracked(self.inorm(x))
        x = self.train_bn(self.bn_untracked(x))
        n, c, h, w = x.shape
        x = self.bn3d(x.reshape(n, 2, c // 2, h, w)).reshape(n, c, h, w)
        x = self.inorm1d(x.reshape(n, 4, -1)).reshape(n, c, h, w)
        h = x.mean((2, 3))
        h = self.sub(self.rms(self.ln(h)))
        h = self.bn1d(self.shared_b(self.shared_a(h)))
        return self.ln64(h.double()).float()


def make_net():
    torch.manual_seed(0)
    net = Net()
    with torch.no_grad():
        for m in net.modules():
            for name in ("weight", "running_var"):
                t = getattr(m, name, None)
                if t is not None and not isinstance(m, nn.Conv2d):
                    t.uniform_(0.5, 1.5)
            for name in ("bias", "running_mean"):
                t = getattr(m, name, None)
                if t is not None and not isinstance(m, nn.Conv2d):
                    t.normal_(0.0, 0.2)
    net.eval()
    net.train_bn.train()
    return net


REPLACED = ["block.0", "lone_gn", "bn", "inorm", "inorm_tracked", "inorm1d",
            "bn_untracked", "bn3d", "ln", "rms", "shared_a", "bn1d"]


class PatchTest(unittest.TestCase):
    def setUp(self):
        self.net = make_net()
        self.x = torch.randn(2, 3, 8, 8)

    def run_net(self, net=None):
        with torch.inference_mode():
            return (net or self.net)(self.x)

    def test_report_and_results(self):
        before = self.run_net()
        originals = dict(self.net.named_modules())
        keys = list(self.net.state_dict())
        report = st.patch(self.net, rms_norm_classes=(LlamaStyleRMSNorm,))
        self.assertEqual(report.replaced, REPLACED)
        self.assertEqual(report.fused, [("block.0", "block.1")])
        skipped = dict(report.skipped)
        self.assertEqual(sorted(skipped), ["ln64", "sub", "train_bn"])
        self.assertIn("training mode", skipped["train_bn"])
        self.assertIn("float64", skipped["ln64"])
        self.assertIn("subclass", skipped["sub"])
        self.assertIn("3 left to PyTorch", str(report))

        self.assertIsInstance(self.net.block[0], st.GroupNormSiLU)
        self.assertIsInstance(self.net.block[1], nn.Identity)
        self.assertIsInstance(self.net.rms, st.RMSNorm)
        self.assertIs(self.net.shared_a, self.net.shared_b)
        self.assertIs(self.net.train_bn, originals["train_bn"])
        # Same tensors, same state_dict keys.
        self.assertIs(self.net.bn.running_var, originals["bn"].running_var)
        self.assertIs(self.net.block[0].weight, originals["block.0"].weight)
        self.assertIs(self.net.rms.weight, originals["rms"].weight)
        self.assertEqual(list(self.net.state_dict()), keys)

        after = self.run_net()
        self.assertLess(relative_diff(after, before), 1e-5)
        with torch.inference_mode(), profile() as prof:
            self.net(self.x)
        called = {e.key for e in prof.key_averages()}
        for op in ("group_norm", "batch_norm", "instance_norm", "layer_norm",
                   "rms_norm"):
            self.assertIn("simdnorm::" + op, called)
        self.assertNotIn("aten::native_group_norm", called)

    def test_weights_loaded_later_apply(self):
        st.patch(self.net, rms_norm_classes=("LlamaStyleRMSNorm",))
        other = make_net()
        with torch.no_grad():
            for t in list(other.parameters()) + list(other.buffers()):
                if t.is_floating_point():
                    t.mul_(1.1).add_(0.05)
        self.net.load_state_dict(other.state_dict())
        self.assertLess(relative_diff(self.run_net(), self.run_net(other)),
                        1e-5)

    def test_unpatch_restores_originals(self):
        originals = dict(self.net.named_modules())
        before = self.run_net()
        st.patch(self.net, rms_norm_classes=(LlamaStyleRMSNorm,))
        restored = st.unpatch(self.net)
        self.assertEqual(sorted(set(restored)),
                         sorted(REPLACED + ["block.1", "shared_b"]))
        for name, module in self.net.named_modules():
            self.assertIs(module, originals[name], name)
        self.assertEqual(self.run_net().tolist(), before.tolist())
        self.assertEqual(st.unpatch(self.net), [])

    def test_patch_twice_and_train_again(self):
        st.patch(self.net, rms_norm_classes=(LlamaStyleRMSNorm,))
        again = st.patch(self.net, rms_norm_classes=(LlamaStyleRMSNorm,))
        self.assertEqual(again.replaced, [])
        # Back to training: torch's path with autograd, running stats updated.
        self.net.train()
        rv = self.net.bn.running_var.clone()
        out = self.net(self.x)
        out.sum().backward()
        self.assertIsNotNone(self.net.block[0].weight.grad)
        self.assertFalse(torch.equal(rv, self.net.bn.running_var))
        # unpatch keeps the training flag the model now has.
        st.unpatch(self.net)
        self.assertTrue(self.net.bn.training)

    def test_group_norm_silu_not_fused_when_shared_or_apart(self):
        gn = nn.GroupNorm(2, 4)
        net = nn.Sequential(gn, nn.SiLU(), nn.Sequential(gn, nn.ReLU()),
                            nn.GroupNorm(2, 4), nn.ReLU(), nn.SiLU()).eval()
        report = st.patch(net)
        self.assertEqual(report.fused, [])
        self.assertEqual(report.replaced, ["0", "3"])
        self.assertIs(net[0], net[2][0])
        x = torch.randn(2, 4, 3, 3)
        with torch.inference_mode():
            out = net(x)
        st.unpatch(net)
        with torch.inference_mode():
            self.assertLess(relative_diff(out, net(x)), 1e-5)

    def test_root_and_unsupported(self):
        ln = nn.LayerNorm(8).eval()
        report = st.patch(ln)
        self.assertEqual(report.replaced, [])
        self.assertIn("root", report.skipped[0][1])
        # 16-bit parameters are replaced; float64 ones are not.
        half = nn.Sequential(nn.LayerNorm(8).half(),
                             nn.GroupNorm(2, 8).bfloat16(),
                             nn.LayerNorm(8).double()).eval()
        report = st.patch(half)
        self.assertEqual(report.replaced, ["0", "1"])
        self.assertIn("float64 (float32, bfloat16, float16 only)",
                      report.skipped[0][1])
        self.assertIsInstance(half[0], st.LayerNorm)
        odd = nn.Sequential(LlamaStyleRMSNorm(8)).eval()
        del odd[0].variance_epsilon
        self.assertIn("eps", st.patch(odd, rms_norm_classes=(
            LlamaStyleRMSNorm,)).skipped[0][1])

    def test_deepcopy_of_patched_model(self):
        st.patch(self.net, rms_norm_classes=(LlamaStyleRMSNorm,))
        clone = copy.deepcopy(self.net)
        self.assertLess(relative_diff(self.run_net(clone), self.run_net()),
                        1e-6)


if __name__ == "__main__":
    unittest.main()
