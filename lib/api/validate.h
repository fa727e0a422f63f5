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

// Largest tensor extent accepted, in elements: every byte offset computed
// from shapes and strides then fits in int64 with room to spare.
constexpr int64_t kMaxTensorElements = int64_t{1} << 58;

// The bytes a strided [rows, cols] fp32 matrix spans (addresses as
// integers: a range is compared, never dereferenced).
struct MemoryRange {
  uintptr_t begin = 0;
  uintptr_t end = 0;
  int64_t stride = 0;  // distinguishes same-start views with other strides
};

// rows, cols >= 0 and (rows - 1) * stride + cols <= kMaxTensorElements
// (checked before: see ResolveRowStride).
inline MemoryRange MatrixRange(const void* base, int64_t rows, int64_t cols,
                               int64_t stride) {
  MemoryRange r;
  r.begin = reinterpret_cast<uintptr_t>(base);
  r.end = r.begin;
  r.stride = stride;
  if (base != nullptr && rows > 0 && cols > 0) {
    r.end += static_cast<uintptr_t>(((rows - 1) * stride + cols) *
                                    int64_t{sizeof(float)});
  }
  return r;
}

inline MemoryRange VectorRange(const void* base, int64_t n) {
  return MatrixRange(base, 1, n, n);
}

inline bool Intersect(const MemoryRange& a, const MemoryRange& b) {
  return a.begin < b.end && b.begin < a.end;
}

// One tensor of a call, for the aliasing rules of CheckAliasing.
struct Operand {
  const char* name;
  MemoryRange range;
  bool reads;
  bool writes;
  // Shaped like y: may be exactly an elementwise output (in place).
  bool elementwise;
};

// Every pair of operands of which one is written must be disjoint, except
// elementwise pairs that are exactly the same view (same start, end and
// stride: in place).
simdnorm_status CheckAliasing(const char* op, const Operand* operands,
                              size_t count);
template <size_t kCount>
simdnorm_status CheckAliasing(const char* op,
                              const Operand (&operands)[kCount]) {
  return CheckAliasing(op, operands, kCount);
}

// stride (0 = cols) resolved into *out; it must be >= cols and the
// [rows, cols] view must span at most kMaxTensorElements.
simdnorm_status ResolveRowStride(const char* op, const char* name,
                                 int64_t stride, int64_t rows, int64_t cols,
                                 int64_t* out);

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
