"""The models simdnorm.torch is checked and measured on: torchvision's
ResNet-50, ViT-B/16, ConvNeXt-T and Swin-T, a Stable Diffusion VAE decoder
stage and a LLaMA-style decoder layer (both written here). Random weights
(no downloads), with the norm layers' affine parameters and running
statistics randomized too: freshly initialized ones (weight 1, bias 0,
mean 0, variance 1) would hide mistakes in how they are applied.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

NORM_TYPES = (nn.LayerNorm, nn.GroupNorm, nn.BatchNorm1d, nn.BatchNorm2d,
              nn.BatchNorm3d, nn.InstanceNorm1d, nn.InstanceNorm2d,
              nn.InstanceNorm3d)


class LlamaRMSNorm(nn.Module):
    """RMSNorm as LLaMA implementations write it (Hugging Face's
    LlamaRMSNorm: `weight`, `variance_epsilon`)."""

    def __init__(self, hidden, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden))
        self.variance_epsilon = eps

    def forward(self, x):
        variance = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(variance + self.variance_epsilon))


def randomize_norms(model, seed=1):
    """Norm layers get random affine parameters and running statistics."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if not isinstance(m, NORM_TYPES + (LlamaRMSNorm,)):
                continue
            for name, tensor in list(m.named_parameters(recurse=False)) + \
                    list(m.named_buffers(recurse=False)):
                if not tensor.is_floating_point():
                    continue
                if name in ("weight", "running_var"):
                    tensor.copy_(torch.rand(tensor.shape, generator=gen) + 0.5)
                elif name in ("bias", "running_mean"):
                    tensor.copy_(torch.randn(tensor.shape, generator=gen) * 0.1)
    return model


def undo_degenerate_init(model, seed=2):
    """torchvision initializes ViT's classifier to zero (every logit 0
    whatever the features) and ConvNeXt's layer scales to 1e-6 (blocks add
    almost nothing to the residual stream): random values instead, so that
    the output depends on every norm layer."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("layer_scale"):
                p.copy_(torch.rand(p.shape, generator=gen) * 0.5 + 0.25)
            elif name == "heads.head.weight":
                p.copy_(torch.randn(p.shape, generator=gen) * 0.02)


# ------------------------------------------------ Stable Diffusion VAE stage

class VaeResnetBlock(nn.Module):
    """The VAE decoder's ResNet block: (GroupNorm(32) + SiLU + conv3x3) x 2
    and a 1x1 shortcut when the channel count changes."""

    def __init__(self, cin, cout):
        super().__init__()
        self.block1 = nn.Sequential(nn.GroupNorm(32, cin, eps=1e-6), nn.SiLU(),
                                    nn.Conv2d(cin, cout, 3, padding=1))
        self.block2 = nn.Sequential(nn.GroupNorm(32, cout, eps=1e-6), nn.SiLU(),
                                    nn.Conv2d(cout, cout, 3, padding=1))
        self.shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x):
        return self.shortcut(x) + self.block2(self.block1(x))


class VaeDecoderStage(nn.Module):
    """512 channels at size x size, 2x nearest upsampling, then 256 channels
    at 2size x 2size (Stable Diffusion's decoder from 64x64 to 128x128)."""

    def __init__(self):
        super().__init__()
        self.res512 = VaeResnetBlock(512, 512)
        self.res256 = VaeResnetBlock(512, 256)

    def forward(self, x):
        x = self.res512(x)
        x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        return self.res256(x)


# ------------------------------------------------- LLaMA-style decoder layer

def rotary(x, base=10000.0):
    """Rotary position embedding over the last dim of (B, H, T, D)."""
    t, d = x.shape[-2], x.shape[-1]
    inv = 1.0 / base ** (torch.arange(0, d, 2, dtype=torch.float32) / d)
    angles = torch.outer(torch.arange(t, dtype=torch.float32), inv)
    cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos),
                       -1).flatten(-2)


class LlamaDecoderLayer(nn.Module):
    """Pre-norm decoder layer: RMSNorm, causal self-attention with rotary
    embeddings, RMSNorm, SwiGLU MLP; residual connections."""

    def __init__(self, hidden=2048, heads=16, intermediate=5632, eps=1e-6):
        super().__init__()
        self.heads = heads
        self.input_layernorm = LlamaRMSNorm(hidden, eps)
        self.q_proj = nn.Linear(hidden, hidden, bias=False)
        self.k_proj = nn.Linear(hidden, hidden, bias=False)
        self.v_proj = nn.Linear(hidden, hidden, bias=False)
        self.o_proj = nn.Linear(hidden, hidden, bias=False)
        self.post_attention_layernorm = LlamaRMSNorm(hidden, eps)
        self.gate_proj = nn.Linear(hidden, intermediate, bias=False)
        self.up_proj = nn.Linear(hidden, intermediate, bias=False)
        self.down_proj = nn.Linear(intermediate, hidden, bias=False)

    def attention(self, x):
        b, t, c = x.shape
        d = c // self.heads

        def split(p):
            return p(x).view(b, t, self.heads, d).transpose(1, 2)

        q, k, v = rotary(split(self.q_proj)), rotary(split(self.k_proj)), \
            split(self.v_proj)
        scores = q @ k.transpose(-1, -2) / math.sqrt(d)
        causal = torch.ones(t, t, dtype=torch.bool).triu(1)
        scores = scores.masked_fill(causal, float("-inf"))
        out = scores.softmax(-1) @ v
        return self.o_proj(out.transpose(1, 2).reshape(b, t, c))

    def forward(self, x):
        h = x + self.attention(self.input_layernorm(x))
        m = self.post_attention_layernorm(h)
        return h + self.down_proj(F.silu(self.gate_proj(m)) * self.up_proj(m))


# ------------------------------------------------------------------- the set

def build(name, small=False):
    """(model in eval mode, input, patch keyword arguments) for a model name.
    small: a cheaper input where the model allows (for the tests)."""
    import torchvision.models as tvm
    torch.manual_seed(0)
    kwargs = {}
    if name in ("resnet50", "vit_b_16", "convnext_tiny", "swin_t"):
        size = 224 if not small else {"resnet50": 160, "vit_b_16": 112,
                                      "convnext_tiny": 128, "swin_t": 128}[name]
        if name == "vit_b_16":
            model = tvm.vit_b_16(image_size=size)
        else:
            model = getattr(tvm, name)()
        x = torch.randn(1, 3, size, size)
        undo_degenerate_init(model)
    elif name == "sd_vae_decoder_stage":
        model = VaeDecoderStage().to(memory_format=torch.channels_last)
        size = 32 if small else 64
        x = torch.randn(1, 512, size, size).contiguous(
            memory_format=torch.channels_last)
    elif name == "llama_decoder_layer":
        model = LlamaDecoderLayer()
        x = torch.randn(1, 32 if small else 128, 2048)
        kwargs["rms_norm_classes"] = (LlamaRMSNorm,)
    else:
        raise ValueError("unknown model %r" % name)
    randomize_norms(model)
    return model.eval(), x, kwargs


MODELS = ["resnet50", "vit_b_16", "convnext_tiny", "swin_t",
          "sd_vae_decoder_stage", "llama_decoder_layer"]
