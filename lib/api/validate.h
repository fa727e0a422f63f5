// Checks shared by the ops' argument validation. Each returns SIMDNORM_OK or
// records a message naming the offending argument.
#ifndef SIMDNORM_API_VALIDATE_H_
#define SIMDNORM_API_VALIDATE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "simdnorm/simdnorm.h"

// Returns from the enclosing function if a check failed.
#define SIMDNORM_CHECK(expr)                                \
  do {                                                      \
    const simdnorm_status check_status = (expr);            \
    if (check_status != SIMDNORM_OK) return check_status;   \
  } while (0)

namespace simdnorm::internal {

// The bytes a strided [rows, cols] fp32 matrix spans.
struct MemoryRange {
  const char* begin = nullptr;
  const char* end = nullptr;
  int64_t stride = 0;  // distinguishes same-start views with other strides
};

// Inline, with the failure paths out of line: these run on every call.
inline MemoryRange MatrixRange(const void* base, int64_t rows, int64_t cols,
                               int64_t stride) {
  MemoryRange r;
  r.begin = static_cast<const char*>(base);
  r.end = r.begin;
  r.stride = stride;
  if (base != nullptr && rows > 0 && cols > 0) {
    r.end += ((rows - 1) * stride + cols) * int64_t{sizeof(float)};
  }
  return r;
}

inline bool Intersect(const MemoryRange& a, const MemoryRange& b) {
  return a.begin < b.end && b.begin < a.end;
}

simdnorm_status FailPartialOverlap(const char* op, const char* in_name,
                                   const char* out_name);
simdnorm_status FailOverlap(const char* op, const char* a_name,
                            const char* b_name);

// Input and output may be the same view (in place) or disjoint; any other
// overlap is rejected.
inline simdnorm_status CheckNoPartialOverlap(const char* op,
                                             const char* in_name,
                                             const MemoryRange& in,
                                             const char* out_name,
                                             const MemoryRange& out) {
  if (!Intersect(in, out)) return SIMDNORM_OK;
  if (in.begin == out.begin && in.end == out.end && in.stride == out.stride) {
    return SIMDNORM_OK;  // exactly in place
  }
  return FailPartialOverlap(op, in_name, out_name);
}
// Two outputs must be disjoint.
inline simdnorm_status CheckDisjoint(const char* op, const char* a_name,
                                     const MemoryRange& a, const char* b_name,
                                     const MemoryRange& b) {
  if (!Intersect(a, b)) return SIMDNORM_OK;
  return FailOverlap(op, a_name, b_name);
}

simdnorm_status CheckEps(const char* op, float eps);
simdnorm_status CheckStructSize(const char* op, size_t got, size_t want);
// The integer in an enum field of a caller's struct. A C caller may store
// any int there; loading it as the C++ enum type would be undefined
// behaviour for values outside the enumerators' range.
template <class Enum>
int RawEnumValue(const Enum& field) {
  std::underlying_type_t<Enum> value;
  std::memcpy(&value, &field, sizeof(value));
  return static_cast<int>(value);
}

simdnorm_status CheckDtypeF32(const char* op, int dtype);
simdnorm_status CheckRequired(const char* op, const char* name,
                              const void* p);
// A slice call's [begin, end) must lie within [0, count] ("row", "unit").
simdnorm_status CheckSliceRange(const char* op, const char* unit,
                                int64_t begin, int64_t end, int64_t count);
// Sizes whose element count must fit in int64 bytes.
simdnorm_status CheckElementCount(const char* op, int64_t a, int64_t b,
                                  int64_t c);

}  // namespace simdnorm::internal

#endif  // SIMDNORM_API_VALIDATE_H_
