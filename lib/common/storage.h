// Storage types of tensors (x, residual, y, sum_out): the one list of
// them, their sizes, and single values read as fp32 outside the kernels.
#ifndef SIMDNORM_COMMON_STORAGE_H_
#define SIMDNORM_COMMON_STORAGE_H_

#include <cstddef>
#include <cstdint>

#include "common/half.h"
#include "simdnorm/simdnorm.h"

namespace simdnorm::internal {

// X(a, b, c, NAME, dtype enumerator, bytes per element, name in tuning
// files) for every storage type (a, b, c: the caller's, passed through).
// A new type: a line here, its conversions in kernels/storage-inl.h and one
// translation unit per kernel family (kernels/row_kernels_<name>.cc).
#define SIMDNORM_FOR_EACH_STORAGE_WITH(X, a, b, c) \
  X(a, b, c, F32, SIMDNORM_F32, 4, "f32")          \
  X(a, b, c, BF16, SIMDNORM_BF16, 2, "bf16")       \
  X(a, b, c, F16, SIMDNORM_F16, 2, "f16")
// The same list as X(name, dtype_value, bytes, text).
#define SIMDNORM_STORAGE_ROW(X, unused_b, unused_c, name, dtype_value, bytes, \
                             text)                                           \
  X(name, dtype_value, bytes, text)
#define SIMDNORM_FOR_EACH_STORAGE(X) \
  SIMDNORM_FOR_EACH_STORAGE_WITH(SIMDNORM_STORAGE_ROW, X, ~, ~)

// Storage types are the simdnorm_dtype values [0, kStorageTypes).
#define SIMDNORM_COUNT_STORAGE(name, dtype_value, bytes, text) +1
constexpr int kStorageTypes = 0 SIMDNORM_FOR_EACH_STORAGE(SIMDNORM_COUNT_STORAGE);
#undef SIMDNORM_COUNT_STORAGE

// Bytes per element, or 0 if `dtype` is not a storage type.
inline size_t StorageBytes(int dtype) {
#define SIMDNORM_STORAGE_BYTES(name, dtype_value, bytes, text) \
  if (dtype == dtype_value) return bytes;
  SIMDNORM_FOR_EACH_STORAGE(SIMDNORM_STORAGE_BYTES)
#undef SIMDNORM_STORAGE_BYTES
  return 0;
}

// Bytes per element of any tensor type: a storage type, or an int8 type
// of a quantized output (SIMDNORM_S8 / SIMDNORM_U8); 0 if neither.
inline size_t TensorElementBytes(int dtype) {
  if (dtype == SIMDNORM_S8 || dtype == SIMDNORM_U8) return 1;
  return StorageBytes(dtype);
}

// "f32", "bf16", "f16" (tuning files), or nullptr if not a storage type.
inline const char* StorageName(int dtype) {
#define SIMDNORM_STORAGE_NAME(name, dtype_value, bytes, text) \
  if (dtype == dtype_value) return text;
  SIMDNORM_FOR_EACH_STORAGE(SIMDNORM_STORAGE_NAME)
#undef SIMDNORM_STORAGE_NAME
  return nullptr;
}

// Element i of a tensor of storage type `dtype`, as fp32 (exact).
inline float LoadAsF32(const void* base, int64_t i, simdnorm_dtype dtype) {
  if (dtype == SIMDNORM_F32) return static_cast<const float*>(base)[i];
  const uint16_t bits = static_cast<const uint16_t*>(base)[i];
  return dtype == SIMDNORM_BF16 ? F32FromBF16Bits(bits) : F32FromF16Bits(bits);
}

// Element i of a tensor of storage type `dtype` = v, rounded once to
// nearest even (as the kernels' stores).
inline void StoreFromF32(void* base, int64_t i, simdnorm_dtype dtype,
                         float v) {
  if (dtype == SIMDNORM_F32) {
    static_cast<float*>(base)[i] = v;
    return;
  }
  static_cast<uint16_t*>(base)[i] =
      dtype == SIMDNORM_BF16 ? BF16BitsFromF32(v) : F16BitsFromF32(v);
}

// base advanced by i elements of `bytes` each.
inline const void* ElementAt(const void* base, int64_t i, size_t bytes) {
  return static_cast<const char*>(base) + i * static_cast<int64_t>(bytes);
}
inline void* ElementAt(void* base, int64_t i, size_t bytes) {
  return static_cast<char*>(base) + i * static_cast<int64_t>(bytes);
}

// A pointer to elements of a storage type, for the code outside the
// kernels (which never reads tensor values through a float*): arithmetic
// in elements, single values read as fp32 (exact), and the address the
// kernels take (`p`, with the kernel table of `dtype`). An int8 quantized
// output (SIMDNORM_S8 / SIMDNORM_U8) supports the arithmetic only.
template <class Void>
struct BasicTypedPtr {
  Void* p = nullptr;
  simdnorm_dtype dtype = SIMDNORM_F32;

  BasicTypedPtr() = default;
  BasicTypedPtr(Void* p_in, simdnorm_dtype dtype_in)
      : p(p_in), dtype(dtype_in) {}
  // Mutable to const.
  template <class Other>
  BasicTypedPtr(const BasicTypedPtr<Other>& other)  // NOLINT: implicit
      : p(other.p), dtype(other.dtype) {}

  BasicTypedPtr operator+(int64_t i) const {
    return {static_cast<Void*>(ElementAt(p, i, TensorElementBytes(dtype))),
            dtype};
  }
  BasicTypedPtr& operator+=(int64_t i) { return *this = *this + i; }
  float operator[](int64_t i) const { return LoadAsF32(p, i, dtype); }
  explicit operator bool() const { return p != nullptr; }
};
using TypedPtr = BasicTypedPtr<void>;
using ConstTypedPtr = BasicTypedPtr<const void>;

}  // namespace simdnorm::internal

#endif  // SIMDNORM_COMMON_STORAGE_H_
