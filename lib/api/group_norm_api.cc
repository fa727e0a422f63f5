// C API of GroupNorm and InstanceNorm: argument validation, then
// ops/group_norm.
#include "api/channel_validate.h"
#include "api/error.h"
#include "api/op_call.h"
#include "api/validate.h"
#include "api/widened_params.h"
#include "ops/group_norm.h"
#include "simdnorm/simdnorm.h"

namespace simdnorm::internal {
namespace {

// Fills *p from args; on error records why and returns the status.
simdnorm_status ValidateGroupNorm(const char* op, bool instance,
                                  const simdnorm_group_norm_args* args,
                                  GroupNormProblem* p,
                                  WidenedParams* params) {
  simdnorm_group_norm_args filled;
  SIMDNORM_CHECK(ReadArgs(op, kGroupNormArgsSize_0_1_0,
                          &simdnorm_group_norm_args_init, &args, &filled));
  const int dtype = RawEnumValue(args->dtype);
  SIMDNORM_CHECK(CheckStorageDtype(op, dtype));
  SIMDNORM_CHECK(CheckParamDtype(op, RawEnumValue(args->param_dtype), dtype));
  SIMDNORM_CHECK(
      CheckReserved(op, args->reserved, "simdnorm_group_norm_args_init"));
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
  const int64_t C = args->channels;
  const int64_t groups = instance ? C : args->groups;
  if (!instance) {
    if (groups <= 0) {
      return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: groups (%lld) must be > 0",
                  op, static_cast<long long>(groups));
    }
    if (C % groups != 0) {
      return Fail(SIMDNORM_INVALID_ARGUMENT,
                  "%s: groups (%lld) must divide channels (%lld)", op,
                  static_cast<long long>(groups), static_cast<long long>(C));
    }
  }
  SIMDNORM_CHECK(CheckEps(op, args->eps));
  SIMDNORM_CHECK(
      ResolveBatchStrides(op, *args, &p->x_batch_stride, &p->y_batch_stride));
  SIMDNORM_CHECK(CheckParamCount(op, args->param_count, C,
                                 args->gamma != nullptr ||
                                     args->beta != nullptr));

  p->instance = instance;
  p->layout = args->layout;
  p->activation = args->activation;
  p->batch = args->batch;
  p->channels = C;
  p->spatial = args->spatial;
  p->groups = groups;
  p->eps = args->eps;
  if (args->batch == 0) return SIMDNORM_OK;  // nothing to read or write
  SIMDNORM_CHECK(CheckRequired(op, "x", args->x));
  SIMDNORM_CHECK(CheckRequired(op, "y", args->y));

  const int64_t N = args->batch, sample = C * args->spatial;
  const int64_t units = N * groups;
  const Operand operands[] = {
      {"x", MatrixRange(args->x, N, sample, p->x_batch_stride, bytes), true,
       false, true},
      {"gamma", VectorRange(args->gamma, C, param_bytes), true, false, false},
      {"beta", VectorRange(args->beta, C, param_bytes), true, false, false},
      {"y", MatrixRange(args->y, N, sample, p->y_batch_stride, y_bytes), false,
       true, true},
      {"mean", VectorRange(args->mean, units), false, true, false},
      {"rstd", VectorRange(args->rstd, units), false, true, false},
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
  p->mean = args->mean;
  p->rstd = args->rstd;
  return SIMDNORM_OK;
}

simdnorm_status GroupNorm(const char* op, bool instance, simdnorm_context* ctx,
                          const simdnorm_group_norm_args* args, bool slice,
                          int64_t begin, int64_t end) {
  WidenedParams params;
  return ValidateAndRun<GroupNormProblem>(
      op, ctx,
      [&](GroupNormProblem* p) {
        SIMDNORM_CHECK(ValidateGroupNorm(op, instance, args, p, &params));
        return slice ? CheckSliceRange(op, "unit", begin, end,
                                       p->batch * p->groups)
                     : SIMDNORM_OK;
      },
      [&](const simdnorm_context& c, const GroupNormProblem& p) {
        if (p.batch * p.groups == 0) return SIMDNORM_OK;
        if (slice) {
          RunGroupNormSlice(c, p, begin, end);
        } else {
          RunGroupNorm(c, p);
        }
        return SIMDNORM_OK;
      });
}

}  // namespace
}  // namespace simdnorm::internal

extern "C" {

void simdnorm_group_norm_args_init(simdnorm_group_norm_args* args) {
  if (args == nullptr) return;
  *args = simdnorm_group_norm_args{};
  args->struct_size = sizeof(*args);
  args->dtype = SIMDNORM_F32;
  args->layout = SIMDNORM_NCHW;
  args->activation = SIMDNORM_ACT_NONE;
  args->spatial = 1;
  args->groups = 1;
  args->eps = SIMDNORM_DEFAULT_EPS;
  args->y_scale = 1.0f;
}

void simdnorm_instance_norm_args_init(simdnorm_instance_norm_args* args) {
  if (args == nullptr) return;
  simdnorm_group_norm_args_init(args);
  args->groups = 0;  // ignored: one group per channel
}

simdnorm_status simdnorm_group_norm(simdnorm_context* ctx,
                                    const simdnorm_group_norm_args* args) {
  return simdnorm::internal::GroupNorm(__func__, false, ctx, args, false, 0, 0);
}

simdnorm_status simdnorm_instance_norm(simdnorm_context* ctx,
                                       const simdnorm_instance_norm_args* args) {
  return simdnorm::internal::GroupNorm(__func__, true, ctx, args, false, 0, 0);
}

simdnorm_status simdnorm_group_norm_slice(simdnorm_context* ctx,
                                          const simdnorm_group_norm_args* args,
                                          int64_t unit_begin,
                                          int64_t unit_end) {
  return simdnorm::internal::GroupNorm(__func__, false, ctx, args, true, unit_begin,
                             unit_end);
}

}  // extern "C"
