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
// Elements of `bytes` each (fp32 unless given).
inline MemoryRange MatrixRange(const void* base, int64_t rows, int64_t cols,
                               int64_t stride, size_t bytes = sizeof(float)) {
  MemoryRange r;
  r.begin = reinterpret_cast<uintptr_t>(base);
  r.end = r.begin;
  r.stride = stride;
  if (base != nullptr && rows > 0 && cols > 0) {
    r.end += static_cast<uintptr_t>(((rows - 1) * stride + cols) *
                                    static_cast<int64_t>(bytes));
  }
  return r;
}

inline MemoryRange VectorRange(const void* base, int64_t n,
                               size_t bytes = sizeof(float)) {
  return MatrixRange(base, 1, n, n, bytes);
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
constexpr size_t kMaxOperands = 16;
simdnorm_status CheckAliasing(const char* op, const Operand* operands,
                              size_t count);
template <size_t kCount>
simdnorm_status CheckAliasing(const char* op,
                              const Operand (&operands)[kCount]) {
  static_assert(kCount <= kMaxOperands, "raise kMaxOperands");
  return CheckAliasing(op, operands, kCount);
}

// stride (0 = cols) resolved into *out; it must be >= cols and the
// [rows, cols] view must span at most kMaxTensorElements. `cols_name` says
// what cols is in messages ("cols", "channels * spatial").
simdnorm_status ResolveRowStride(const char* op, const char* name,
                                 int64_t stride, int64_t rows, int64_t cols,
                                 int64_t* out, const char* cols_name = "cols");

simdnorm_status CheckEps(const char* op, float eps);
simdnorm_status CheckRequired(const char* op, const char* name, const void* p);
// got within [oldest, newest].
simdnorm_status CheckStructSize(const char* op, size_t got, size_t oldest,
                                size_t newest);

// struct_size of each args struct in 0.1.0, the oldest ReadArgs accepts:
// the offset of the first field appended since.
constexpr size_t kRowNormArgsSize_0_1_0 =
    offsetof(simdnorm_row_norm_args, residual_bias);
constexpr size_t kGroupNormArgsSize_0_1_0 =
    offsetof(simdnorm_group_norm_args, x_batch_stride);
constexpr size_t kBatchNormArgsSize_0_1_0 =
    offsetof(simdnorm_batch_norm_args, x_batch_stride);

// The caller's args as this version reads them. Fields are only ever
// appended to an args struct, each 8 bytes wide, so struct_size may be any
// size from the oldest version's (`oldest`, the offset of the first field
// appended since) up to sizeof(Args): fields that lie wholly beyond it
// take the values `init` gives them (their defaults). *args is pointed at
// `storage` when they must be filled in, and left alone otherwise (a
// caller of this version costs no copy).
template <class Args>
simdnorm_status ReadArgs(const char* op, size_t oldest, void (*init)(Args*),
                         const Args** args, Args* storage) {
  static_assert(alignof(Args) == 8 && sizeof(Args) % 8 == 0,
                "args structs grow by whole 8-byte fields");
  const Args* given = *args;
  SIMDNORM_CHECK(CheckRequired(op, "args", given));
  SIMDNORM_CHECK(CheckStructSize(op, given->struct_size, oldest, sizeof(Args)));
  if (given->struct_size == sizeof(Args)) return SIMDNORM_OK;
  init(storage);
  std::memcpy(static_cast<void*>(storage), given,
              given->struct_size / alignof(Args) * alignof(Args));
  *args = storage;
  return SIMDNORM_OK;
}
// The integer in an enum field of a caller's struct. A C caller may store
// any int there; loading it as the C++ enum type would be undefined
// behaviour for values outside the enumerators' range.
template <class Enum>
int RawEnumValue(const Enum& field) {
  std::underlying_type_t<Enum> value;
  std::memcpy(&value, &field, sizeof(value));
  return static_cast<int>(value);
}

// A storage type (common/storage.h).
simdnorm_status CheckStorageDtype(const char* op, int dtype);
// y's type as validated: the storage type of x, or an int8 type with its
// quantization (saturate(round_half_even(y / scale) + zero_point)).
struct OutputType {
  simdnorm_dtype dtype = SIMDNORM_F32;
  float scale = 1.0f;
  int32_t zero_point = 0;
};
// y_dtype (the caller's raw int, see RawEnumValue; 0 = dtype), y_scale and
// y_zero_point of an op whose x has storage type `dtype` into *out.
simdnorm_status CheckOutputType(const char* op, int y_dtype, float y_scale,
                                int32_t y_zero_point, int dtype,
                                OutputType* out);
// gamma and beta: SIMDNORM_F32 or the storage type `dtype`.
simdnorm_status CheckParamDtype(const char* op, int param_dtype, int dtype);
// A reserved field must be 0 (as `init_function` leaves it).
simdnorm_status CheckReserved(const char* op, int32_t reserved,
                              const char* init_function);
// A slice call's [begin, end) must lie within [0, count] ("row", "unit").
simdnorm_status CheckSliceRange(const char* op, const char* unit,
                                int64_t begin, int64_t end, int64_t count);
// Sizes whose element count must fit in int64 bytes.
simdnorm_status CheckElementCount(const char* op, int64_t a, int64_t b,
                                  int64_t c);

}  // namespace simdnorm::internal

#endif  // SIMDNORM_API_VALIDATE_H_
