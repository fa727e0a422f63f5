// simdnorm::batch_norm on (N, C, *) tensors, as
// torch.nn.functional.batch_norm: with the running statistics
// (training=False), or with batch statistics (training=True), then updating
// running_mean / running_var in place if given (momentum weighting, unbiased
// variance for running_var).
#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <torch/library.h>

#include "common.h"

namespace simdnorm_torch {
namespace {

constexpr const char* kOp = "simdnorm::batch_norm";

// A running statistic: [C] on the CPU, float32 or of the input's dtype (a
// bf16 or fp16 module's buffers). Returns the tensor the C API reads and
// writes (float32 for every input dtype): `stat` itself when it is float32
// and contiguous, else a float32 contiguous copy whose values the caller
// copies back (rounded to the stat's dtype) after an update.
at::Tensor RunningStat(const char* name, const at::Tensor& stat,
                       const at::Tensor& input, int64_t C) {
  TORCH_CHECK_TYPE(stat.device().is_cpu() && stat.layout() == at::kStrided,
                   kOp, ": ", name, " must be a dense CPU tensor");
  TORCH_CHECK_TYPE(stat.scalar_type() == at::kFloat ||
                       stat.scalar_type() == input.scalar_type(),
                   kOp, ": ", name, " must be float32 or of the input's dtype (",
                   input.scalar_type(), "), got ", stat.scalar_type());
  TORCH_CHECK(stat.dim() == 1 && stat.size(0) == C, kOp, ": ", name,
              " has shape ", ShapeString(stat.sizes()), ", expected [", C,
              "]");
  TORCH_CHECK(!(stat.requires_grad() && c10::GradMode::is_enabled()), kOp,
              ": ", name, " requires grad");
  return stat.to(at::kFloat).contiguous();
}

at::Tensor BatchNorm(const at::Tensor& input,
                     const c10::optional<at::Tensor>& running_mean,
                     const c10::optional<at::Tensor>& running_var,
                     const c10::optional<at::Tensor>& weight,
                     const c10::optional<at::Tensor>& bias, bool training,
                     double momentum, double eps,
                     c10::string_view activation) {
  CheckInput(kOp, input);
  TORCH_CHECK(input.dim() >= 2, kOp,
              ": expected an input of shape (N, C, *), got ",
              ShapeString(input.sizes()));
  const int64_t C = input.size(1);
  const at::ScalarType param_type = ParamType(kOp, input, weight, bias);
  const at::Tensor w = DenseOperand(kOp, "weight", weight, param_type, {C});
  const at::Tensor b = DenseOperand(kOp, "bias", bias, param_type, {C});
  const simdnorm_activation act = ParseActivation(kOp, activation);
  const bool has_mean = running_mean.has_value() && running_mean->defined();
  const bool has_var = running_var.has_value() && running_var->defined();
  TORCH_CHECK(has_mean == has_var, kOp,
              ": give both running_mean and running_var, or neither");
  TORCH_CHECK(training || has_mean, kOp,
              ": training=False needs running_mean and running_var");
  at::Tensor rm, rv;
  if (has_mean) {
    rm = RunningStat("running_mean", *running_mean, input, C);
    rv = RunningStat("running_var", *running_var, input, C);
  }

  const ChannelView v = AsChannels(input);
  at::Tensor y = EmptyInLayout(input, v.layout);
  if (input.numel() == 0) return y;

  simdnorm_batch_norm_args a;
  simdnorm_batch_norm_args_init(&a);
  a.dtype = DtypeOf(kOp, input.scalar_type());
  a.layout = v.layout;
  a.activation = act;
  a.batch = v.batch;
  a.channels = v.channels;
  a.spatial = v.spatial;
  a.eps = static_cast<float>(eps);
  a.momentum = static_cast<float>(momentum);
  a.update_running_stats = training && has_mean;
  a.x = v.tensor.data_ptr();
  a.x_batch_stride = v.batch_stride;
  a.y = y.data_ptr();
  a.param_dtype = DtypeOf(kOp, param_type);
  a.gamma = DataOrNull(w);
  a.beta = DataOrNull(b);
  if (has_mean) {
    a.running_mean = rm.data_ptr<float>();
    a.running_var = rv.data_ptr<float>();
  }
  a.param_count = C;
  simdnorm_context* ctx = CurrentContext(kOp);
  CheckStatus(kOp, training ? simdnorm_batch_norm_training(ctx, &a)
                            : simdnorm_batch_norm_inference(ctx, &a));
  if (a.update_running_stats) {
    // Non-contiguous or 16-bit running statistics were updated in a copy.
    if (!rm.is_same(*running_mean)) running_mean->copy_(rm);
    if (!rv.is_same(*running_var)) running_var->copy_(rv);
  }
  return y;
}

}  // namespace

TORCH_LIBRARY_IMPL(simdnorm, CPU, m) { m.impl("batch_norm", &BatchNorm); }

}  // namespace simdnorm_torch
