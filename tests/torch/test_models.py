"""Patched vs unpatched outputs of real models (random weights, eval mode,
torch.inference_mode): the max abs difference relative to the output's
scale stays below 1e-4."""

import time
import unittest

import torch

import model_zoo
from support import relative_diff, st

# Norm layers patch() must replace (and fuse) in each model.
EXPECTED = {
    "resnet50": dict(replaced=53, fused=0),
    "vit_b_16": dict(replaced=25, fused=0),
    "convnext_tiny": dict(replaced=18, fused=0),  # + 5 LayerNorm2d skipped
    "swin_t": dict(replaced=29, fused=0),
    "sd_vae_decoder_stage": dict(replaced=4, fused=4),
    "llama_decoder_layer": dict(replaced=2, fused=0),
}


class ModelsTest(unittest.TestCase):
    def check(self, name):
        t0 = time.perf_counter()
        model, x, kwargs = model_zoo.build(name, small=True)
        with torch.inference_mode():
            ref = model(x)
            report = st.patch(model, **kwargs)
            out = model(x)
        rel = relative_diff(out, ref)
        print("\n  %-22s %s; relative difference %.2g (%.1f s)" % (
            name, repr(report), rel, time.perf_counter() - t0), end="")
        self.assertEqual(len(report.replaced), EXPECTED[name]["replaced"],
                         str(report))
        self.assertEqual(len(report.fused), EXPECTED[name]["fused"])
        self.assertLess(rel, 1e-4)
        return model, out, report

    def test_resnet50(self):
        self.check("resnet50")

    def test_vit_b_16(self):
        self.check("vit_b_16")

    def test_convnext_tiny(self):
        _, _, report = self.check("convnext_tiny")
        self.assertEqual(len(report.skipped), 5)
        self.assertTrue(all("LayerNorm2d" in r for _, r in report.skipped))

    def test_swin_t(self):
        self.check("swin_t")

    def test_sd_vae_decoder_stage(self):
        model, out, _ = self.check("sd_vae_decoder_stage")
        # The channels-last activations stay channels-last through the norms.
        self.assertTrue(out.is_contiguous(memory_format=torch.channels_last))

    def test_llama_decoder_layer(self):
        self.check("llama_decoder_layer")


if __name__ == "__main__":
    unittest.main()
