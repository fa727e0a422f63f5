// simdnorm::layer_norm, rms_norm and their *_residual forms: the trailing
// normalized_shape dims of the input are one row (cols = their product),
// every leading index is a row.
#include <ATen/ATen.h>
#include <torch/library.h>

#include <tuple>

#include "common.h"

namespace simdnorm_torch {
namespace {

enum class RowOp { kLayerNorm, kRmsNorm };

struct RowNormResult {
  at::Tensor y;
  at::Tensor sum;  // defined if asked for
};

// s = input + residual + residual_bias (either optional) is normalized;
// with want_sum, s is returned too.
RowNormResult RowNorm(const char* op, RowOp kind, const at::Tensor& input,
                      at::IntArrayRef normalized_shape,
                      const c10::optional<at::Tensor>& weight,
                      const c10::optional<at::Tensor>& bias, double eps,
                      const c10::optional<at::Tensor>& residual,
                      const c10::optional<at::Tensor>& residual_bias,
                      bool want_sum) {
  CheckInput(op, input);
  const int64_t nd = static_cast<int64_t>(normalized_shape.size());
  TORCH_CHECK(nd >= 1, op, ": normalized_shape must have at least 1 dim");
  TORCH_CHECK(input.dim() >= nd &&
                  input.sizes().slice(input.dim() - nd).equals(
                      normalized_shape),
              op, ": input of shape ", ShapeString(input.sizes()),
              " does not end with normalized_shape ",
              ShapeString(normalized_shape));
  const at::ScalarType param_type = ParamType(op, input, weight, bias);
  const at::Tensor w = DenseOperand(op, "weight", weight, param_type,
                                    normalized_shape);
  const at::Tensor b = DenseOperand(op, "bias", bias, param_type,
                                    normalized_shape);
  const at::Tensor rb = DenseOperand(op, "residual_bias", residual_bias,
                                     input.scalar_type(), normalized_shape);
  at::Tensor r;
  if (residual.has_value() && residual->defined()) {
    // Kept as a (possibly strided) view: AsRows below decides whether it
    // needs a copy.
    CheckOperand(op, "residual", *residual, input.scalar_type());
    TORCH_CHECK(residual->sizes().equals(input.sizes()), op,
                ": residual has shape ", ShapeString(residual->sizes()),
                ", expected the input's ", ShapeString(input.sizes()));
    r = *residual;
  }
  TORCH_CHECK(!want_sum || r.defined() || rb.defined(), op,
              ": returning the sum needs a residual or a residual_bias");

  RowNormResult out;
  out.y = at::empty(input.sizes(), input.options(),
                    at::MemoryFormat::Contiguous);
  if (want_sum) out.sum = at::empty_like(out.y);
  if (input.numel() == 0) return out;

  int64_t cols = 1;
  for (const int64_t s : normalized_shape) cols *= s;
  const RowView xv = AsRows(input, nd, cols);
  RowView rv;
  if (r.defined()) rv = AsRows(r, nd, cols);

  simdnorm_row_norm_args a;
  simdnorm_row_norm_args_init(&a);
  a.dtype = DtypeOf(op, input.scalar_type());
  a.rows = xv.rows;
  a.cols = cols;
  a.x = xv.tensor.data_ptr();
  a.x_stride = xv.stride;
  a.y = out.y.data_ptr();
  a.y_stride = cols;
  a.eps = static_cast<float>(eps);
  a.param_dtype = DtypeOf(op, param_type);
  a.gamma = DataOrNull(w);
  a.beta = DataOrNull(b);
  if (r.defined()) {
    a.residual = rv.tensor.data_ptr();
    a.residual_stride = rv.stride;
  }
  // The C API reads residual_bias in param_dtype: widen it (exactly) when
  // the parameters are float32 and the input is 16-bit.
  const at::Tensor rb_param =
      rb.defined() && rb.scalar_type() != param_type ? rb.to(param_type) : rb;
  a.residual_bias = DataOrNull(rb_param);
  if (want_sum) {
    a.sum_out = out.sum.data_ptr();
    a.sum_stride = cols;
  }
  simdnorm_context* ctx = CurrentContext(op);
  CheckStatus(op, kind == RowOp::kLayerNorm ? simdnorm_layer_norm(ctx, &a)
                                            : simdnorm_rms_norm(ctx, &a));
  return out;
}

at::Tensor LayerNorm(const at::Tensor& input, at::IntArrayRef normalized_shape,
                     const c10::optional<at::Tensor>& weight,
                     const c10::optional<at::Tensor>& bias, double eps,
                     const c10::optional<at::Tensor>& residual,
                     const c10::optional<at::Tensor>& residual_bias) {
  return RowNorm("simdnorm::layer_norm", RowOp::kLayerNorm, input,
                 normalized_shape, weight, bias, eps, residual,
                 residual_bias, false)
      .y;
}

std::tuple<at::Tensor, at::Tensor> LayerNormResidual(
    const at::Tensor& input, at::IntArrayRef normalized_shape,
    const c10::optional<at::Tensor>& weight,
    const c10::optional<at::Tensor>& bias, double eps,
    const c10::optional<at::Tensor>& residual,
    const c10::optional<at::Tensor>& residual_bias) {
  RowNormResult r = RowNorm("simdnorm::layer_norm_residual",
                            RowOp::kLayerNorm, input, normalized_shape,
                            weight, bias, eps, residual, residual_bias, true);
  return {r.y, r.sum};
}

at::Tensor RmsNorm(const at::Tensor& input, at::IntArrayRef normalized_shape,
                   const c10::optional<at::Tensor>& weight, double eps,
                   const c10::optional<at::Tensor>& residual,
                   const c10::optional<at::Tensor>& residual_bias) {
  return RowNorm("simdnorm::rms_norm", RowOp::kRmsNorm, input,
                 normalized_shape, weight, c10::nullopt, eps, residual,
                 residual_bias, false)
      .y;
}

std::tuple<at::Tensor, at::Tensor> RmsNormResidual(
    const at::Tensor& input, at::IntArrayRef normalized_shape,
    const c10::optional<at::Tensor>& weight, double eps,
    const c10::optional<at::Tensor>& residual,
    const c10::optional<at::Tensor>& residual_bias) {
  RowNormResult r = RowNorm("simdnorm::rms_norm_residual", RowOp::kRmsNorm,
                            input, normalized_shape, weight, c10::nullopt,
                            eps, residual, residual_bias, true);
  return {r.y, r.sum};
}

}  // namespace

TORCH_LIBRARY_IMPL(simdnorm, CPU, m) {
  m.impl("layer_norm", &LayerNorm);
  m.impl("layer_norm_residual", &LayerNormResidual);
  m.impl("rms_norm", &RmsNorm);
  m.impl("rms_norm_residual", &RmsNormResidual);
}

}  // namespace simdnorm_torch
