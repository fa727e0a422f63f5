// bf16 and fp16 for the tests: conversions in double arithmetic,
// independent of the library's (which work on the bits with integer or
// hardware operations), the type's ulp, and guarded 16-bit buffers.
#ifndef SIMDNORM_TESTS_HALF_REFERENCE_H_
#define SIMDNORM_TESTS_HALF_REFERENCE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "simdnorm/simdnorm.h"

namespace simdnorm_test {

// The value of 16-bit storage bits (exact; NaN made quiet).
float Widen(uint16_t h, simdnorm_dtype dtype);
// f rounded to nearest even (NaN stays NaN, overflow becomes Inf).
uint16_t Narrow(float f, simdnorm_dtype dtype);
// Spacing of the type's values at |v| (its ulp there).
double UlpAt(double v, simdnorm_dtype dtype);
// "bf16", "f16".
const char* DtypeName(simdnorm_dtype dtype);

// 16-bit storage whose data() is `misalign` elements past a 64-byte
// boundary, with sentinel guards after the end.
class HalfBuffer {
 public:
  HalfBuffer(size_t n, size_t misalign);
  uint16_t* data() { return data_; }
  // True if nothing was written past the n elements.
  bool GuardIntact() const;

 private:
  static constexpr size_t kGuard = 32;
  static constexpr uint16_t kSentinel = 0x7E5A;  // an fp16/bf16 NaN
  std::vector<uint16_t> storage_;
  uint16_t* data_;
  size_t n_;
};

}  // namespace simdnorm_test

#endif  // SIMDNORM_TESTS_HALF_REFERENCE_H_
