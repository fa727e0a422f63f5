#include "api/validate.h"

#include <cmath>

#include "api/error.h"

namespace simdnorm::internal {

simdnorm_status FailPartialOverlap(const char* op, const char* in_name,
                                   const char* out_name) {
  return Fail(SIMDNORM_INVALID_ARGUMENT,
              "%s: %s and %s overlap partially (only exact in-place use, "
              "same pointer and stride, is allowed)",
              op, in_name, out_name);
}

simdnorm_status FailOverlap(const char* op, const char* a_name,
                            const char* b_name) {
  return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: outputs %s and %s overlap", op,
              a_name, b_name);
}

simdnorm_status CheckEps(const char* op, float eps) {
  if (std::isfinite(eps) && eps >= 0.0f) return SIMDNORM_OK;
  return Fail(SIMDNORM_INVALID_ARGUMENT,
              "%s: eps (%g) must be finite and >= 0", op,
              static_cast<double>(eps));
}

simdnorm_status CheckStructSize(const char* op, size_t got, size_t want) {
  if (got == want) return SIMDNORM_OK;
  return Fail(SIMDNORM_INVALID_ARGUMENT,
              "%s: args.struct_size is %zu, expected %zu (initialize the "
              "arguments with their *_args_init function)",
              op, got, want);
}

simdnorm_status CheckDtypeF32(const char* op, int dtype) {
  if (dtype == SIMDNORM_F32) return SIMDNORM_OK;
  if (dtype == SIMDNORM_BF16 || dtype == SIMDNORM_F16) {
    return Fail(SIMDNORM_UNSUPPORTED,
                "%s: dtype %s is not implemented yet (only SIMDNORM_F32)", op,
                dtype == SIMDNORM_BF16 ? "SIMDNORM_BF16" : "SIMDNORM_F16");
  }
  return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: unknown dtype %d", op, dtype);
}

simdnorm_status CheckRequired(const char* op, const char* name,
                              const void* p) {
  if (p != nullptr) return SIMDNORM_OK;
  return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: %s is null", op, name);
}

simdnorm_status CheckSliceRange(const char* op, const char* unit,
                                int64_t begin, int64_t end, int64_t count) {
  if (begin >= 0 && begin <= end && end <= count) return SIMDNORM_OK;
  return Fail(SIMDNORM_INVALID_ARGUMENT,
              "%s: %s range [%lld, %lld) is not within [0, %lld]", op, unit,
              static_cast<long long>(begin), static_cast<long long>(end),
              static_cast<long long>(count));
}

simdnorm_status CheckElementCount(const char* op, int64_t a, int64_t b,
                                  int64_t c) {
  const double elems = static_cast<double>(a) * static_cast<double>(b) *
                       static_cast<double>(c);
  if (elems * sizeof(float) < 0x1p62) return SIMDNORM_OK;
  return Fail(SIMDNORM_INVALID_ARGUMENT,
              "%s: tensor of %g elements is too large", op, elems);
}

}  // namespace simdnorm::internal
