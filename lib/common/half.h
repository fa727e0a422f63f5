// Scalar conversions between fp32 and the 16-bit storage types (bf16 and
// IEEE fp16), bit-exact with the kernels' vector conversions: widening is
// exact, narrowing rounds to nearest even, NaN stays NaN (quiet), values
// beyond the format's range become Inf. Used where single values are read
// outside the kernels (pivots, parameters) and by the tests.
#ifndef SIMDNORM_COMMON_HALF_H_
#define SIMDNORM_COMMON_HALF_H_

#include <cstdint>
#include <cstring>

namespace simdnorm::internal {

inline uint32_t FloatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  return bits;
}

inline float FloatFromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

inline float F32FromBF16Bits(uint16_t h) {
  return FloatFromBits(static_cast<uint32_t>(h) << 16);
}

inline uint16_t BF16BitsFromF32(float f) {
  const uint32_t bits = FloatBits(f);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) {  // NaN: keep it, quiet
    return static_cast<uint16_t>((bits >> 16) | 0x40u);
  }
  // Round to nearest even on the 16 bits dropped; a carry into the
  // exponent is the correct result (up to Inf).
  return static_cast<uint16_t>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

inline float F32FromF16Bits(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t magnitude = h & 0x7FFFu;
  if (magnitude >= 0x7C00u) {  // Inf or NaN: all-ones exponent
    return FloatFromBits(sign | 0x7F800000u | (magnitude & 0x3FFu) << 13);
  }
  // The fp16 bits shifted into an fp32 are the value times 2^-112, for
  // normal and subnormal values alike; scaling by 2^112 is exact.
  const float scaled = FloatFromBits(magnitude << 13) * 0x1p112f;
  return FloatFromBits(sign | FloatBits(scaled));
}

inline uint16_t F16BitsFromF32(float f) {
  const uint32_t bits = FloatBits(f);
  const uint32_t sign = (bits >> 16) & 0x8000u;
  const uint32_t a = bits & 0x7FFFFFFFu;
  uint32_t h;
  if (a > 0x7F800000u) {
    h = 0x7E00u;  // quiet NaN
  } else if (a >= 0x477FF000u) {
    h = 0x7C00u;  // 65520 and up round to Inf
  } else if (a >= 0x38800000u) {
    // Normal: rebias the exponent (127 -> 15) and round the 13 dropped
    // bits to nearest even.
    h = (a - 0x38000000u + 0xFFFu + ((a >> 13) & 1u)) >> 13;
  } else {
    // Subnormal or zero: adding 0.5 leaves fp16's subnormal step (2^-24)
    // as the fp32 ulp, so the FPU rounds to nearest even for us.
    h = FloatBits(FloatFromBits(a) + 0.5f) - 0x3F000000u;
  }
  return static_cast<uint16_t>(sign | h);
}

}  // namespace simdnorm::internal

#endif  // SIMDNORM_COMMON_HALF_H_
