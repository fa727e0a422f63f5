// simdnorm::group_norm and instance_norm on (N, C, *) tensors: contiguous
// or channels-last (C innermost) samples, read in place, output in the
// input's memory format, with an optional fused activation.
#include <ATen/ATen.h>
#include <torch/library.h>

#include "common.h"

namespace simdnorm_torch {
namespace {

at::Tensor ChannelGroupNorm(const char* op, bool instance,
                            const at::Tensor& input, int64_t num_groups,
                            const c10::optional<at::Tensor>& weight,
                            const c10::optional<at::Tensor>& bias, double eps,
                            c10::string_view activation) {
  CheckInput(op, input);
  TORCH_CHECK(input.dim() >= 2, op,
              ": expected an input of shape (N, C, *), got ",
              ShapeString(input.sizes()));
  const int64_t C = input.size(1);
  if (!instance) {
    TORCH_CHECK(num_groups > 0 && C % num_groups == 0, op, ": num_groups (",
                num_groups, ") must be positive and divide the channels (",
                C, ")");
  }
  const at::ScalarType param_type = ParamType(op, input, weight, bias);
  const at::Tensor w = DenseOperand(op, "weight", weight, param_type, {C});
  const at::Tensor b = DenseOperand(op, "bias", bias, param_type, {C});
  const simdnorm_activation act = ParseActivation(op, activation);

  const ChannelView v = AsChannels(input);
  at::Tensor y = EmptyInLayout(input, v.layout);
  if (input.numel() == 0) return y;

  simdnorm_group_norm_args a;
  if (instance) {
    simdnorm_instance_norm_args_init(&a);
  } else {
    simdnorm_group_norm_args_init(&a);
    a.groups = num_groups;
  }
  a.dtype = DtypeOf(op, input.scalar_type());
  a.layout = v.layout;
  a.activation = act;
  a.batch = v.batch;
  a.channels = v.channels;
  a.spatial = v.spatial;
  a.eps = static_cast<float>(eps);
  a.x = v.tensor.data_ptr();
  a.x_batch_stride = v.batch_stride;
  a.y = y.data_ptr();
  a.y_batch_stride = 0;  // dense
  a.param_dtype = DtypeOf(op, param_type);
  a.gamma = DataOrNull(w);
  a.beta = DataOrNull(b);
  a.param_count = C;
  simdnorm_context* ctx = CurrentContext(op);
  CheckStatus(op, instance ? simdnorm_instance_norm(ctx, &a)
                           : simdnorm_group_norm(ctx, &a));
  return y;
}

at::Tensor GroupNorm(const at::Tensor& input, int64_t num_groups,
                     const c10::optional<at::Tensor>& weight,
                     const c10::optional<at::Tensor>& bias, double eps,
                     c10::string_view activation) {
  return ChannelGroupNorm("simdnorm::group_norm", false, input, num_groups,
                          weight, bias, eps, activation);
}

at::Tensor InstanceNorm(const at::Tensor& input,
                        const c10::optional<at::Tensor>& weight,
                        const c10::optional<at::Tensor>& bias, double eps,
                        c10::string_view activation) {
  return ChannelGroupNorm("simdnorm::instance_norm", true, input, 0, weight,
                          bias, eps, activation);
}

}  // namespace

TORCH_LIBRARY_IMPL(simdnorm, CPU, m) {
  m.impl("group_norm", &GroupNorm);
  m.impl("instance_norm", &InstanceNorm);
}

}  // namespace simdnorm_torch
