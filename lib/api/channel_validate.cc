#include "api/channel_validate.h"

#include "api/error.h"
#include "api/validate.h"

namespace simdnorm::internal {

simdnorm_status CheckLayout(const char* op, int layout) {
  if (layout == SIMDNORM_NCHW || layout == SIMDNORM_NHWC) return SIMDNORM_OK;
  return Fail(SIMDNORM_INVALID_ARGUMENT,
              "%s: unknown layout %d (SIMDNORM_NCHW or SIMDNORM_NHWC)", op,
              layout);
}

simdnorm_status CheckActivation(const char* op, int act) {
  if (act >= SIMDNORM_ACT_NONE && act <= SIMDNORM_ACT_GELU_TANH) {
    return SIMDNORM_OK;
  }
  return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: unknown activation %d", op,
              act);
}

simdnorm_status CheckChannelShape(const char* op, int64_t batch,
                                  int64_t channels, int64_t spatial) {
  if (batch < 0) {
    return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: batch (%lld) must be >= 0", op,
                static_cast<long long>(batch));
  }
  if (channels <= 0) {
    return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: channels (%lld) must be > 0",
                op, static_cast<long long>(channels));
  }
  if (spatial <= 0) {
    return Fail(SIMDNORM_INVALID_ARGUMENT,
                "%s: spatial (%lld) must be >= 1 (1 for a plain [N, C] input)",
                op, static_cast<long long>(spatial));
  }
  // One sample too: with batch 0 the tensor is empty, but sizes per sample
  // (channels * spatial) are still formed.
  SIMDNORM_CHECK(CheckElementCount(op, 1, channels, spatial));
  return CheckElementCount(op, batch, channels, spatial);
}

simdnorm_status CheckParamCount(const char* op, int64_t param_count,
                                int64_t channels, bool any_given) {
  if (param_count == 0 || !any_given || param_count == channels) {
    return SIMDNORM_OK;
  }
  return Fail(SIMDNORM_INVALID_ARGUMENT,
              "%s: per-channel parameters have %lld elements but channels is "
              "%lld",
              op, static_cast<long long>(param_count),
              static_cast<long long>(channels));
}

OutputQuantization ChannelOutputQuantization(const OutputType& out,
                                             simdnorm_activation act,
                                             WidenedParams* params) {
  OutputQuantization q;
  q.scale = out.scale;
  q.zero_point = out.zero_point;
  if (act == SIMDNORM_ACT_NONE && params->DivideBy(q.scale)) q.scale = 1.0f;
  return q;
}

}  // namespace simdnorm::internal
