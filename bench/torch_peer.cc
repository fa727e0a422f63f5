// PyTorch (ATen of libtorch 1.13) as a peer, called the way inference code
// calls torch.nn.functional: on tensors that wrap the benchmark's buffers
// (at::from_blob, so x keeps the offset of the alignment sweep), under
// c10::InferenceMode (torch.inference_mode), on PyTorch's intra-op pool
// (OpenMP in Debian's build) sized with at::set_num_threads.
//
// The output tensor is allocated by ATen on every call and freed when the
// call returns: these functions have no form that writes into a given
// buffer, so that allocation is part of what a PyTorch user pays, and it
// is in the timings. (The y offset of the sweep does not apply here.)
//
// Only ATen is included (not torch/torch.h), to keep this one translation
// unit quick to compile.
#include "peers.h"

#if SIMDNORM_BENCH_HAVE_TORCH
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <torch/version.h>

#include <exception>
#include <memory>
#include <vector>
#endif

namespace simdnorm_bench {

#if SIMDNORM_BENCH_HAVE_TORCH

bool HaveTorch() { return true; }

const char* TorchVersion() { return TORCH_VERSION; }

namespace {

// The op on tensors over the problem's buffers; returns the output.
using TorchCall = std::function<at::Tensor()>;

at::Tensor Wrap(const void* data, std::vector<int64_t> sizes,
                std::vector<int64_t> strides = {},
                simdnorm_dtype dtype = SIMDNORM_F32) {
  const auto type = at::TensorOptions().dtype(
      dtype == SIMDNORM_BF16  ? at::kBFloat16
      : dtype == SIMDNORM_F16 ? at::kHalf
                              : at::kFloat);
  void* p = const_cast<void*>(data);  // ATen only reads the inputs
  return strides.empty() ? at::from_blob(p, sizes, type)
                         : at::from_blob(p, sizes, strides, type);
}

// A tensor over `data` with the shape and memory layout of the problem's x:
// [rows, cols] for the row norms and [N, C] when there is no spatial
// extent, else [N, C, H, W] contiguous (NCHW) or channels_last (NHWC).
at::Tensor WrapLikeX(const Problem& p, const void* data) {
  const int64_t N = p.batch, C = p.channels, H = p.height, W = p.width;
  if (p.op == Op::kLayerNorm || p.op == Op::kRmsNorm || p.spatial == 1) {
    return Wrap(data, {N, C}, {}, p.dtype);
  }
  if (!p.channels_last) return Wrap(data, {N, C, H, W}, {}, p.dtype);
  return Wrap(data, {N, C, H, W}, {H * W * C, 1, W * C, C}, p.dtype);
}

TorchCall MakeCall(const Problem& p) {
  const at::Tensor x = WrapLikeX(p, p.x);
  const int64_t C = p.channels;
  // PyTorch 1.13 wants the parameters and running statistics in x's type
  // (a bf16/fp16 module's are): converted once here, outside the timings.
  const auto like_x = [&](const float* v) {
    const at::Tensor t = Wrap(v, {C});
    return p.dtype == SIMDNORM_F32 ? t : t.to(x.scalar_type());
  };
  const at::Tensor gamma = p.gamma ? like_x(p.gamma) : at::Tensor();
  const at::Tensor beta = p.beta ? like_x(p.beta) : at::Tensor();
  const double eps = p.eps;
  constexpr double kMomentum = 0.1;
  constexpr bool kCudnn = false;
  switch (p.op) {
    case Op::kLayerNorm:
      return [=] { return at::layer_norm(x, {C}, gamma, beta, eps, kCudnn); };
    case Op::kRmsNorm:
      // PyTorch 1.13 has no RMSNorm: this is the composite its users write,
      // x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight.
      return [=] {
        const at::Tensor y =
            x * at::rsqrt(x.pow(2).mean({-1}, /*keepdim=*/true) + eps);
        return gamma.defined() ? y * gamma : y;
      };
    case Op::kGroupNorm: {
      const int64_t groups = p.groups;
      return [=] { return at::group_norm(x, groups, gamma, beta, eps, kCudnn); };
    }
    case Op::kInstanceNorm:
      return [=] {
        return at::instance_norm(x, gamma, beta, {}, {},
                                 /*use_input_stats=*/true, kMomentum, eps,
                                 kCudnn);
      };
    case Op::kBatchNormInference:
    case Op::kBatchNormTraining: {
      // Training mode updates the running statistics, as the library's
      // call in the benchmark does.
      const bool training = p.op == Op::kBatchNormTraining;
      const at::Tensor mean = like_x(p.running_mean);
      const at::Tensor var = like_x(p.running_var);
      return [=] {
        return at::batch_norm(x, gamma, beta, mean, var, training, kMomentum,
                              eps, kCudnn);
      };
    }
  }
  return {};
}

// PyTorch's messages go on with a C++ backtrace: the first line says it.
std::string FirstLine(const char* message) {
  const std::string m(message);
  return m.substr(0, m.find('\n'));
}

// at::get_num_threads() reads OpenMP's setting, which the oneDNN peer also
// sets: size the pool again before a call only when it changed (resizing
// is not free).
void UseThreads(int threads) {
  if (at::get_num_threads() != threads) at::set_num_threads(threads);
}

}  // namespace

Runner MakeTorchRunner(const Problem& p, int threads, std::string* why) {
  try {
    at::set_num_threads(threads);  // once per case, outside the timings
    TorchCall call = MakeCall(p);
    if (!call) {
      *why = "PyTorch: no such op";
      return {};
    }
    {
      c10::InferenceMode inference;
      call();  // throws here, not in the timed loop, if PyTorch cannot
    }
    return [call, threads] {
      UseThreads(threads);
      c10::InferenceMode inference;
      call();  // the output is freed here
    };
  } catch (const std::exception& err) {
    *why = "PyTorch: " + FirstLine(err.what());
    return {};
  }
}

bool TorchResultToY(const Problem& p, int threads, std::string* why) {
  try {
    UseThreads(threads);
    const TorchCall call = MakeCall(p);
    if (!call) {
      *why = "PyTorch: no such op";
      return false;
    }
    at::Tensor result;
    {
      c10::InferenceMode inference;
      result = call();
    }
    WrapLikeX(p, p.y).copy_(result);
    return true;
  } catch (const std::exception& err) {
    *why = "PyTorch: " + FirstLine(err.what());
    return false;
  }
}

#else  // !SIMDNORM_BENCH_HAVE_TORCH

bool HaveTorch() { return false; }

const char* TorchVersion() { return nullptr; }

Runner MakeTorchRunner(const Problem&, int, std::string* why) {
  *why = "built without PyTorch";
  return {};
}

bool TorchResultToY(const Problem&, int, std::string* why) {
  *why = "built without PyTorch";
  return false;
}

#endif

}  // namespace simdnorm_bench
