#include "half_reference.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace simdnorm_test {
namespace {

uint32_t Bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}
float FromBits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

// fp16 in double arithmetic (exact for every value involved): the bits
// are assembled from the exponent and the mantissa rounded by nearbyint
// (ties to even, the default rounding mode).
float WidenHalf(uint16_t h) {
  const uint32_t sign = uint32_t{h & 0x8000u} << 16;
  const int exponent = (h >> 10) & 31;
  const int mantissa = h & 1023;
  if (exponent == 31) {  // Inf, or NaN made quiet as hardware does
    return FromBits(sign | 0x7F800000u | (mantissa ? 0x400000u : 0u) |
                    (uint32_t(mantissa) << 13));
  }
  const double magnitude = exponent == 0 ? std::ldexp(mantissa, -24)
                                         : std::ldexp(1024 + mantissa, exponent - 25);
  return static_cast<float>(sign ? -magnitude : magnitude);
}

uint16_t NarrowHalf(float f) {
  const uint16_t sign = static_cast<uint16_t>((Bits(f) >> 16) & 0x8000u);
  if (std::isnan(f)) return static_cast<uint16_t>(sign | 0x7E00u | ((Bits(f) >> 13) & 1023u));
  const double a = std::fabs(double{f});
  if (a >= 65520.0) return static_cast<uint16_t>(sign | 0x7C00u);  // ties go to Inf
  if (a == 0.0) return sign;
  int e;
  std::frexp(a, &e);                    // a in [2^(e-1), 2^e)
  const int exponent = std::max(e - 1, -14);  // subnormals share 2^-14's spacing
  const double units = std::nearbyint(std::ldexp(a, 10 - exponent));
  // Normal: units in [1024, 2048] (2048 carries into the exponent field);
  // subnormal: units in [0, 1024] with the exponent field 1, which the
  // formula's -1024 cancels (1024 being the smallest normal).
  const long bits = (long{exponent + 15} << 10) + static_cast<long>(units) - 1024;
  return static_cast<uint16_t>(sign | bits);
}

}  // namespace

float Widen(uint16_t h, simdnorm_dtype dtype) {
  if (dtype == SIMDNORM_BF16) return FromBits(uint32_t{h} << 16);
  return WidenHalf(h);
}

uint16_t Narrow(float f, simdnorm_dtype dtype) {
  if (dtype == SIMDNORM_F16) return NarrowHalf(f);
  if (std::isnan(f)) return static_cast<uint16_t>((Bits(f) >> 16) | 0x40);
  const uint32_t lo = Bits(f) & 0xFFFF0000u;
  const uint32_t hi = lo + 0x10000u;  // next toward larger magnitude
  const double dl = std::fabs(double{f} - double{FromBits(lo)});
  const double dh = std::fabs(double{FromBits(hi)} - double{f});
  const bool up = dh < dl || (dh == dl && ((lo >> 16) & 1u));
  return static_cast<uint16_t>((up ? hi : lo) >> 16);
}

// Spacing of the type's values at |v| (its ulp there).
double UlpAt(double v, simdnorm_dtype dtype) {
  const int mantissa = dtype == SIMDNORM_BF16 ? 7 : 10;
  const int min_exp = dtype == SIMDNORM_BF16 ? -126 : -14;
  int e;
  std::frexp(std::fabs(v), &e);  // |v| in [2^(e-1), 2^e)
  return std::ldexp(1.0, std::max(e - 1, min_exp) - mantissa);
}

const char* DtypeName(simdnorm_dtype dtype) {
  return dtype == SIMDNORM_BF16 ? "bf16" : "f16";
}

HalfBuffer::HalfBuffer(size_t n, size_t misalign)
    : storage_(n + misalign + 32 + kGuard, kSentinel), n_(n) {
  const auto addr = reinterpret_cast<uintptr_t>(storage_.data());
  const size_t skip = ((64 - addr % 64) % 64) / 2 + misalign;
  data_ = storage_.data() + skip;
}

bool HalfBuffer::GuardIntact() const {
  for (size_t i = 0; i < kGuard; ++i) {
    if (data_[n_ + i] != kSentinel) return false;
  }
  return true;
}

}  // namespace simdnorm_test
