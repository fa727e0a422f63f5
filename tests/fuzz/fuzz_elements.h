// Element types of the buffers an op reads and writes (fp32, the 16-bit
// storage types, the int8 types of quantized outputs): their sizes, how
// values are written and read, the canary that marks elements no call
// wrote, and how a written element is compared with the reference run's.
#ifndef SIMDNORM_TESTS_FUZZ_FUZZ_ELEMENTS_H_
#define SIMDNORM_TESTS_FUZZ_FUZZ_ELEMENTS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "simdnorm/simdnorm.h"

namespace simdnorm_fuzz {

// Bytes per element of SIMDNORM_F32 ... SIMDNORM_U8.
size_t ElementBytes(simdnorm_dtype type);
// "f32", "bf16", "f16", "s8", "u8".
const char* TypeName(simdnorm_dtype type);
bool IsFloatType(simdnorm_dtype type);
// The largest finite value of a float type (generated inputs are clamped
// to it, so that only the special values are Inf or NaN).
double MaxFinite(simdnorm_dtype type);

// Writes f as one element of `type` at `at` (16-bit: rounded to nearest
// even; int8: rounded and saturated).
void StoreValue(simdnorm_dtype type, double f, uint8_t* at);
// The element at `at` (int8: its integer), exactly.
double LoadValue(simdnorm_dtype type, const uint8_t* at);

// What fills output elements before a call. For the float types a
// signaling NaN: the library's narrowing and arithmetic only yield quiet
// ones, and no 16-bit pattern is a signaling NaN in both bf16 and fp16,
// hence one per type. Every int8 byte is a possible output, so the
// reference run's buffers get another byte than the call's: an element
// that neither call writes then still differs.
void StoreCanary(simdnorm_dtype type, bool reference, uint8_t* at);

// A written element against the reference run's: the same bits, or for
// the float types both NaN with `got` not the canary (not left unwritten).
bool SameResult(simdnorm_dtype type, const uint8_t* got, const uint8_t* want);
// "1.5 (0x3fc0)": the value and its bits, for messages.
std::string DescribeElement(simdnorm_dtype type, const uint8_t* at);

// A view's logical elements, packed: the reference run's buffers.
struct Elements {
  simdnorm_dtype type = SIMDNORM_F32;
  std::vector<uint8_t> bytes;
  size_t size() const { return bytes.size() / ElementBytes(type); }
  const uint8_t* at(size_t i) const { return bytes.data() + i * ElementBytes(type); }
  double operator[](size_t i) const { return LoadValue(type, at(i)); }
  // The largest |value| (NaN if any is NaN); `empty` for no elements.
  double MaxAbs(double empty) const;
};

}  // namespace simdnorm_fuzz

#endif  // SIMDNORM_TESTS_FUZZ_FUZZ_ELEMENTS_H_
