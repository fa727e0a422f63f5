#include "api/validate.h"

#include <cmath>

#include "api/error.h"
#include "common/contract.h"
#include "common/storage.h"

namespace simdnorm::internal {

simdnorm_status CheckAliasing(const char* op, const Operand* operands,
                              size_t count) {
  // Absent and empty operands overlap nothing: pairs of the others only
  // (most calls give a few of the possible operands; this runs per call).
  SIMDNORM_DASSERT(count <= kMaxOperands);
  const Operand* given[kMaxOperands];
  size_t n = 0;
  for (size_t i = 0; i < count && n < kMaxOperands; ++i) {
    if (operands[i].range.begin == operands[i].range.end) continue;
    given[n++] = &operands[i];
  }
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      const Operand& a = *given[i];
      const Operand& b = *given[j];
      if (!(a.writes || b.writes) || !Intersect(a.range, b.range)) continue;
      const bool in_place = a.elementwise && b.elementwise &&
                            a.range.begin == b.range.begin &&
                            a.range.end == b.range.end &&
                            a.range.stride == b.range.stride;
      if (a.writes && b.writes) {
        return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: outputs %s and %s overlap",
                    op, a.name, b.name);
      }
      if (in_place) continue;
      const Operand& in = a.writes ? b : a;
      const Operand& out = a.writes ? a : b;
      return Fail(SIMDNORM_INVALID_ARGUMENT,
                  a.elementwise && b.elementwise
                      ? "%s: input %s and output %s overlap partially (only "
                        "exact in-place use, same pointer and stride, is "
                        "allowed)"
                      : "%s: input %s and output %s overlap",
                  op, in.name, out.name);
    }
  }
  return SIMDNORM_OK;
}

simdnorm_status ResolveRowStride(const char* op, const char* name,
                                 int64_t stride, int64_t rows, int64_t cols,
                                 int64_t* out, const char* cols_name) {
  const int64_t resolved = stride == 0 ? cols : stride;
  if (resolved < cols) {
    return Fail(SIMDNORM_INVALID_ARGUMENT,
                "%s: %s (%lld) must be >= %s (%lld), or 0 for dense", op, name,
                static_cast<long long>(stride), cols_name,
                static_cast<long long>(cols));
  }
  // (rows - 1) * resolved + cols <= kMaxTensorElements, without overflow
  // (even with no rows: sizes derived from cols must not overflow either).
  if (cols > kMaxTensorElements) {
    return Fail(SIMDNORM_INVALID_ARGUMENT,
                "%s: %s (%lld) is more than 2^58 elements", op, cols_name,
                static_cast<long long>(cols));
  }
  // (A multiplication checked for overflow, not a division: this runs for
  // every stride of every call, and a 64-bit division costs as much as a
  // small call's row.)
  int64_t span = 0;
  if (rows > 1 && (__builtin_mul_overflow(resolved, rows - 1, &span) ||
                   span > kMaxTensorElements - cols)) {
    return Fail(SIMDNORM_INVALID_ARGUMENT,
                "%s: %s (%lld) with %lld rows spans more than 2^58 elements",
                op, name, static_cast<long long>(resolved),
                static_cast<long long>(rows));
  }
  *out = resolved;
  return SIMDNORM_OK;
}

simdnorm_status CheckEps(const char* op, float eps) {
  if (std::isfinite(eps) && eps >= 0.0f) return SIMDNORM_OK;
  return Fail(SIMDNORM_INVALID_ARGUMENT,
              "%s: eps (%g) must be finite and >= 0", op,
              static_cast<double>(eps));
}

simdnorm_status CheckStructSize(const char* op, size_t got, size_t oldest,
                                size_t newest) {
  if (got >= oldest && got <= newest) return SIMDNORM_OK;
  return Fail(SIMDNORM_INVALID_ARGUMENT,
              "%s: args.struct_size is %zu, expected %zu to %zu (initialize "
              "the arguments with their *_args_init function)",
              op, got, oldest, newest);
}

simdnorm_status CheckStorageDtype(const char* op, int dtype) {
  if (StorageBytes(dtype) != 0) return SIMDNORM_OK;
  if (dtype == SIMDNORM_S8 || dtype == SIMDNORM_U8) {
    return Fail(SIMDNORM_UNSUPPORTED,
                "%s: dtype %d is an output type only (y_dtype)", op, dtype);
  }
  return Fail(SIMDNORM_INVALID_ARGUMENT,
              "%s: unknown dtype %d (SIMDNORM_F32, SIMDNORM_BF16 or "
              "SIMDNORM_F16)",
              op, dtype);
}

simdnorm_status CheckParamDtype(const char* op, int param_dtype, int dtype) {
  if (param_dtype == SIMDNORM_F32 || param_dtype == dtype) return SIMDNORM_OK;
  return Fail(SIMDNORM_INVALID_ARGUMENT,
              "%s: param_dtype (%d) must be SIMDNORM_F32 or dtype (%d)", op,
              param_dtype, dtype);
}

simdnorm_status CheckReserved(const char* op, int32_t reserved,
                              const char* init_function) {
  if (reserved == 0) return SIMDNORM_OK;
  return Fail(SIMDNORM_INVALID_ARGUMENT,
              "%s: reserved must be 0 (initialize the arguments with %s)", op,
              init_function);
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
  if (elems <= static_cast<double>(kMaxTensorElements)) return SIMDNORM_OK;
  return Fail(SIMDNORM_INVALID_ARGUMENT,
              "%s: tensor of %g elements is too large", op, elems);
}

simdnorm_status CheckOutputType(const char* op, int y_dtype, float y_scale,
                                int32_t y_zero_point, int dtype,
                                OutputType* out) {
  if (y_dtype == 0 || y_dtype == dtype) {
    out->dtype = static_cast<simdnorm_dtype>(dtype);
    return SIMDNORM_OK;
  }
  if (y_dtype != SIMDNORM_S8 && y_dtype != SIMDNORM_U8) {
    return Fail(StorageBytes(y_dtype) != 0 ? SIMDNORM_UNSUPPORTED
                                           : SIMDNORM_INVALID_ARGUMENT,
                "%s: y_dtype (%d) must be 0 (= dtype), dtype (%d), "
                "SIMDNORM_S8 or SIMDNORM_U8",
                op, y_dtype, dtype);
  }
  if (!(std::isfinite(y_scale) && y_scale > 0.0f)) {
    return Fail(SIMDNORM_INVALID_ARGUMENT,
                "%s: y_scale (%g) must be finite and > 0", op,
                static_cast<double>(y_scale));
  }
  const int32_t lo = y_dtype == SIMDNORM_S8 ? -128 : 0;
  const int32_t hi = y_dtype == SIMDNORM_S8 ? 127 : 255;
  if (y_zero_point < lo || y_zero_point > hi) {
    return Fail(SIMDNORM_INVALID_ARGUMENT,
                "%s: y_zero_point (%d) must be in [%d, %d] for %s", op,
                static_cast<int>(y_zero_point), static_cast<int>(lo),
                static_cast<int>(hi),
                y_dtype == SIMDNORM_S8 ? "SIMDNORM_S8" : "SIMDNORM_U8");
  }
  out->dtype = static_cast<simdnorm_dtype>(y_dtype);
  out->scale = y_scale;
  out->zero_point = y_zero_point;
  return SIMDNORM_OK;
}

}  // namespace simdnorm::internal
