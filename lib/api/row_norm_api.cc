// C API of LayerNorm and RMSNorm: argument validation, then ops/row_norm.
#include <cmath>
#include <vector>

#include "api/error.h"
#include "api/op_call.h"
#include "api/validate.h"
#include "api/widened_params.h"
#include "common/storage.h"
#include "ops/row_bias.h"
#include "ops/row_norm.h"
#include "simdnorm/simdnorm.h"

namespace simdnorm::internal {
namespace {

// Fills *p from args; on error records why and returns the status.
// gamma, beta and residual_bias widened to fp32, for the duration of a call.
simdnorm_status ValidateRowNorm(const char* op, bool rms,
                                const simdnorm_row_norm_args* args,
                                RowNormProblem* p, WidenedParams* params) {
  simdnorm_row_norm_args filled;
  SIMDNORM_CHECK(ReadArgs(op, kRowNormArgsSize_0_1_0,
                          &simdnorm_row_norm_args_init, &args, &filled));
  const int dtype = RawEnumValue(args->dtype);
  SIMDNORM_CHECK(CheckStorageDtype(op, dtype));
  const int param_dtype = RawEnumValue(args->param_dtype);
  SIMDNORM_CHECK(CheckParamDtype(op, param_dtype, dtype));
  SIMDNORM_CHECK(
      CheckReserved(op, args->reserved, "simdnorm_row_norm_args_init"));
  p->dtype = static_cast<simdnorm_dtype>(dtype);
  p->elem_bytes = StorageBytes(dtype);
  const size_t bytes = p->elem_bytes;
  OutputType out;
  SIMDNORM_CHECK(CheckOutputType(op, RawEnumValue(args->y_dtype),
                                 args->y_scale, args->y_zero_point, dtype,
                                 &out));
  p->y_dtype = out.dtype;
  p->y_scale = out.scale;
  p->y_zero_point = out.zero_point;
  const size_t y_bytes = p->y_bytes();
  const size_t param_bytes = StorageBytes(param_dtype);
  if (args->rows < 0) {
    return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: rows (%lld) must be >= 0", op,
                static_cast<long long>(args->rows));
  }
  if (args->cols <= 0) {
    return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: cols (%lld) must be > 0", op,
                static_cast<long long>(args->cols));
  }
  p->rms = rms;
  p->rows = args->rows;
  p->cols = args->cols;
  const int64_t rows = args->rows, cols = args->cols;
  SIMDNORM_CHECK(ResolveRowStride(op, "x_stride", args->x_stride, rows, cols,
                                  &p->x_stride));
  SIMDNORM_CHECK(ResolveRowStride(op, "y_stride", args->y_stride, rows, cols,
                                  &p->y_stride));
  SIMDNORM_CHECK(ResolveRowStride(op, "residual_stride", args->residual_stride,
                                  rows, cols, &p->residual_stride));
  SIMDNORM_CHECK(ResolveRowStride(op, "sum_stride", args->sum_stride, rows,
                                  cols, &p->sum_stride));
  SIMDNORM_CHECK(CheckEps(op, args->eps));
  if (rms && args->beta != nullptr) {
    return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: RMSNorm takes no beta", op);
  }
  if (rms && args->mean != nullptr) {
    return Fail(SIMDNORM_INVALID_ARGUMENT,
                "%s: RMSNorm has no mean output (mean must be null)", op);
  }
  if (args->sum_out != nullptr && args->residual == nullptr &&
      args->residual_bias == nullptr) {
    return Fail(SIMDNORM_INVALID_ARGUMENT,
                "%s: sum_out needs a residual or residual_bias input", op);
  }
  if (rows == 0) return SIMDNORM_OK;  // nothing to read or write
  SIMDNORM_CHECK(CheckRequired(op, "x", args->x));
  SIMDNORM_CHECK(CheckRequired(op, "y", args->y));

  const Operand operands[] = {
      {"x", MatrixRange(args->x, rows, cols, p->x_stride, bytes), true, false,
       true},
      {"residual",
       MatrixRange(args->residual, rows, cols, p->residual_stride, bytes), true,
       false, true},
      {"residual_bias", VectorRange(args->residual_bias, cols, param_bytes),
       true, false, false},
      {"gamma", VectorRange(args->gamma, cols, param_bytes), true, false,
       false},
      {"beta", VectorRange(args->beta, cols, param_bytes), true, false, false},
      {"y", MatrixRange(args->y, rows, cols, p->y_stride, y_bytes), false,
       true, true},
      {"sum_out", MatrixRange(args->sum_out, rows, cols, p->sum_stride, bytes),
       false, true, true},
      {"mean", VectorRange(args->mean, rows), false, true, false},
      {"rstd", VectorRange(args->rstd, rows), false, true, false},
  };
  SIMDNORM_CHECK(CheckAliasing(op, operands));

  p->eps = args->eps;
  p->x = args->x;
  p->y = args->y;
  p->residual = args->residual;
  p->sum_out = args->sum_out;
  params->Set(args->gamma, args->beta, cols, args->param_dtype);
  p->gamma = params->gamma();
  p->beta = params->beta();
  p->residual_bias = params->Widen(args->residual_bias);
  if (p->quantized() && params->DivideBy(p->y_scale)) {
    // y / y_scale comes out of the normalize itself.
    p->gamma = params->gamma();
    p->beta = params->beta();
    p->y_scale = 1.0f;
  }
  p->mean = args->mean;
  p->rstd = args->rstd;
  return SIMDNORM_OK;
}

simdnorm_status RowNorm(const char* op, bool rms, simdnorm_context* ctx,
                        const simdnorm_row_norm_args* args, bool slice,
                        int64_t begin, int64_t end) {
  WidenedParams params;
  return ValidateAndRun<RowNormProblem>(
      op, ctx,
      [&](RowNormProblem* p) {
        SIMDNORM_CHECK(ValidateRowNorm(op, rms, args, p, &params));
        return slice ? CheckSliceRange(op, "row", begin, end, p->rows)
                     : SIMDNORM_OK;
      },
      [&](const simdnorm_context& c, const RowNormProblem& p) {
        if (p.rows == 0) return SIMDNORM_OK;
        if (p.residual_bias != nullptr) {
          RunRowNormWithBias(c, p, slice ? begin : 0, slice ? end : p.rows,
                             !slice);
        } else if (slice) {
          RunRowNormSlice(c, p, begin, end);
        } else {
          RunRowNorm(c, p);
        }
        return SIMDNORM_OK;
      });
}

}  // namespace
}  // namespace simdnorm::internal

extern "C" {

void simdnorm_row_norm_args_init(simdnorm_row_norm_args* args) {
  if (args == nullptr) return;
  *args = simdnorm_row_norm_args{};
  args->struct_size = sizeof(*args);
  args->dtype = SIMDNORM_F32;
  args->eps = SIMDNORM_DEFAULT_EPS;
  args->y_scale = 1.0f;
}

simdnorm_status simdnorm_layer_norm(simdnorm_context* ctx,
                                    const simdnorm_row_norm_args* args) {
  return simdnorm::internal::RowNorm(__func__, false, ctx, args, false, 0, 0);
}

simdnorm_status simdnorm_rms_norm(simdnorm_context* ctx,
                                  const simdnorm_row_norm_args* args) {
  return simdnorm::internal::RowNorm(__func__, true, ctx, args, false, 0, 0);
}

simdnorm_status simdnorm_layer_norm_slice(simdnorm_context* ctx,
                                          const simdnorm_row_norm_args* args,
                                          int64_t row_begin, int64_t row_end) {
  return simdnorm::internal::RowNorm(__func__, false, ctx, args, true, row_begin,
                           row_end);
}

simdnorm_status simdnorm_rms_norm_slice(simdnorm_context* ctx,
                                        const simdnorm_row_norm_args* args,
                                        int64_t row_begin, int64_t row_end) {
  return simdnorm::internal::RowNorm(__func__, true, ctx, args, true, row_begin,
                           row_end);
}

}  // extern "C"
