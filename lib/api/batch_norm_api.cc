// C API of BatchNorm (inference and batch statistics): argument validation,
// then ops/batch_norm.
#include <cmath>

#include "api/channel_validate.h"
#include "api/error.h"
#include "api/op_call.h"
#include "api/validate.h"
#include "api/widened_params.h"
#include "ops/batch_norm.h"
#include "simdnorm/simdnorm.h"

namespace simdnorm::internal {
namespace {

// Fills *p from args; on error records why and returns the status.
simdnorm_status ValidateBatchNorm(const char* op, bool training,
                                  const simdnorm_batch_norm_args* args,
                                  BatchNormProblem* p,
                                  WidenedParams* params) {
  simdnorm_batch_norm_args filled;
  SIMDNORM_CHECK(ReadArgs(op, kBatchNormArgsSize_0_1_0,
                          &simdnorm_batch_norm_args_init, &args, &filled));
  const int dtype = RawEnumValue(args->dtype);
  SIMDNORM_CHECK(CheckStorageDtype(op, dtype));
  SIMDNORM_CHECK(CheckParamDtype(op, RawEnumValue(args->param_dtype), dtype));
  const size_t bytes = StorageBytes(dtype);
  const size_t param_bytes = StorageBytes(args->param_dtype);
  OutputType out;
  SIMDNORM_CHECK(CheckOutputType(op, RawEnumValue(args->y_dtype), args->y_scale,
                                 args->y_zero_point, dtype, &out));
  const size_t y_bytes = TensorElementBytes(out.dtype);
  SIMDNORM_CHECK(CheckLayout(op, RawEnumValue(args->layout)));
  SIMDNORM_CHECK(CheckActivation(op, RawEnumValue(args->activation)));
  SIMDNORM_CHECK(
      CheckChannelShape(op, args->batch, args->channels, args->spatial));
  SIMDNORM_CHECK(CheckEps(op, args->eps));
  SIMDNORM_CHECK(
      ResolveBatchStrides(op, *args, &p->x_batch_stride, &p->y_batch_stride));
  const int running_stats = RawEnumValue(args->running_stats);
  if (running_stats != SIMDNORM_RUNNING_STATS_PYTORCH &&
      running_stats != SIMDNORM_RUNNING_STATS_ONNX) {
    return Fail(SIMDNORM_INVALID_ARGUMENT,
                "%s: unknown running_stats convention %d "
                "(SIMDNORM_RUNNING_STATS_PYTORCH or _ONNX)",
                op, running_stats);
  }
  const bool update = training && args->update_running_stats != 0;
  if (training) {
    if (!(args->momentum >= 0.0f && args->momentum <= 1.0f)) {  // NaN too
      return Fail(SIMDNORM_INVALID_ARGUMENT,
                  "%s: momentum (%g) must be in [0, 1]", op,
                  static_cast<double>(args->momentum));
    }
    if (args->batch > 0 && args->batch * args->spatial == 1) {
      return Fail(SIMDNORM_INVALID_ARGUMENT,
                  "%s: batch statistics need more than 1 value per channel "
                  "(batch * spatial is 1)",
                  op);
    }
    if (update && (args->running_mean == nullptr ||
                   args->running_var == nullptr)) {
      return Fail(SIMDNORM_INVALID_ARGUMENT,
                  "%s: update_running_stats needs running_mean and "
                  "running_var (%s is null)",
                  op, args->running_mean == nullptr ? "running_mean"
                                                    : "running_var");
    }
  } else {
    if (args->running_mean == nullptr || args->running_var == nullptr) {
      return Fail(SIMDNORM_INVALID_ARGUMENT,
                  "%s: inference needs the running statistics (%s is null)",
                  op, args->running_mean == nullptr ? "running_mean"
                                                    : "running_var");
    }
    if (args->batch_mean != nullptr || args->batch_rstd != nullptr) {
      return Fail(SIMDNORM_INVALID_ARGUMENT,
                  "%s: batch_mean/batch_rstd are batch-statistics outputs "
                  "(must be null in inference)",
                  op);
    }
  }
  const bool reads_running = !training || update;
  SIMDNORM_CHECK(CheckParamCount(
      op, args->param_count, args->channels,
      args->gamma != nullptr || args->beta != nullptr || reads_running ||
          args->batch_mean != nullptr || args->batch_rstd != nullptr));

  const int64_t C = args->channels;
  p->layout = args->layout;
  p->activation = args->activation;
  p->batch = args->batch;
  p->channels = C;
  p->spatial = args->spatial;
  p->eps = args->eps;
  p->momentum = args->momentum;
  p->onnx_running_stats =
      RawEnumValue(args->running_stats) == SIMDNORM_RUNNING_STATS_ONNX;
  p->update_running_stats = update;
  if (args->batch == 0) return SIMDNORM_OK;  // nothing to read or write
  SIMDNORM_CHECK(CheckRequired(op, "x", args->x));
  SIMDNORM_CHECK(CheckRequired(op, "y", args->y));

  const int64_t N = args->batch, sample = C * args->spatial;
  const Operand operands[] = {
      {"x", MatrixRange(args->x, N, sample, p->x_batch_stride, bytes), true,
       false, true},
      {"gamma", VectorRange(args->gamma, C, param_bytes), true, false, false},
      {"beta", VectorRange(args->beta, C, param_bytes), true, false, false},
      // Read in inference, read and updated with update_running_stats.
      {"running_mean",
       VectorRange(reads_running ? args->running_mean : nullptr, C), true,
       update, false},
      {"running_var",
       VectorRange(reads_running ? args->running_var : nullptr, C), true,
       update, false},
      {"y", MatrixRange(args->y, N, sample, p->y_batch_stride, y_bytes), false,
       true, true},
      {"batch_mean", VectorRange(args->batch_mean, C), false, true, false},
      {"batch_rstd", VectorRange(args->batch_rstd, C), false, true, false},
  };
  SIMDNORM_CHECK(CheckAliasing(op, operands));

  p->x = ConstTypedPtr(args->x, args->dtype);
  p->y = TypedPtr(args->y, out.dtype);
  params->Set(args->gamma, args->beta, C, args->param_dtype);
  if (out.dtype != p->x.dtype) {
    p->y_quant = ChannelOutputQuantization(out, p->activation, params);
  }
  p->gamma = params->gamma();
  p->beta = params->beta();
  p->running_mean = reads_running ? args->running_mean : nullptr;
  p->running_var = reads_running ? args->running_var : nullptr;
  p->batch_mean = args->batch_mean;
  p->batch_rstd = args->batch_rstd;
  return SIMDNORM_OK;
}

// `slice`: units [begin, end) of the inference only.
simdnorm_status BatchNorm(const char* op, bool training, simdnorm_context* ctx,
                          const simdnorm_batch_norm_args* args, bool slice,
                          int64_t begin, int64_t end) {
  WidenedParams params;
  return ValidateAndRun<BatchNormProblem>(
      op, ctx,
      [&](BatchNormProblem* p) {
        SIMDNORM_CHECK(ValidateBatchNorm(op, training, args, p, &params));
        return slice ? CheckSliceRange(op, "unit", begin, end,
                                       BatchNormSliceUnits(*p))
                     : SIMDNORM_OK;
      },
      [&](const simdnorm_context& c, const BatchNormProblem& p) {
        if (p.batch == 0) return SIMDNORM_OK;
        if (slice) {
          RunBatchNormInferenceSlice(c, p, begin, end);
        } else if (training) {
          RunBatchNormTraining(c, p);
        } else {
          RunBatchNormInference(c, p);
        }
        return SIMDNORM_OK;
      });
}

}  // namespace
}  // namespace simdnorm::internal

extern "C" {

void simdnorm_batch_norm_args_init(simdnorm_batch_norm_args* args) {
  if (args == nullptr) return;
  *args = simdnorm_batch_norm_args{};
  args->struct_size = sizeof(*args);
  args->dtype = SIMDNORM_F32;
  args->layout = SIMDNORM_NCHW;
  args->activation = SIMDNORM_ACT_NONE;
  args->spatial = 1;
  args->eps = SIMDNORM_DEFAULT_EPS;
  args->y_scale = 1.0f;
  args->momentum = 0.1f;
}

simdnorm_status simdnorm_batch_norm_inference(
    simdnorm_context* ctx, const simdnorm_batch_norm_args* args) {
  return simdnorm::internal::BatchNorm(__func__, false, ctx, args, false, 0, 0);
}

simdnorm_status simdnorm_batch_norm_inference_slice(
    simdnorm_context* ctx, const simdnorm_batch_norm_args* args,
    int64_t unit_begin, int64_t unit_end) {
  return simdnorm::internal::BatchNorm(__func__, false, ctx, args, true,
                                       unit_begin, unit_end);
}

simdnorm_status simdnorm_batch_norm_training(
    simdnorm_context* ctx, const simdnorm_batch_norm_args* args) {
  return simdnorm::internal::BatchNorm(__func__, true, ctx, args, false, 0, 0);
}

}  // extern "C"
