// Per-element code, called in loops over whole buffers: kept out of
// coverage instrumentation (see coverage_ignore.txt).
#include "fuzz_elements.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "half_reference.h"  // bf16/fp16 conversions independent of the library's

namespace simdnorm_fuzz {
namespace {

constexpr uint32_t kF32Canary = 0x7fa5c3e1u;  // signaling: quiet bit 22 clear
constexpr uint16_t kBF16Canary = 0x7fa5u;     // quiet bit 6 clear
constexpr uint16_t kF16Canary = 0x7d5au;      // quiet bit 9 clear
constexpr uint8_t kInt8Canary = 0xa5u;
constexpr uint8_t kInt8ReferenceCanary = 0x5au;

uint16_t Load16(const uint8_t* at) {
  uint16_t v;
  std::memcpy(&v, at, sizeof(v));
  return v;
}

uint32_t Load32(const uint8_t* at) {
  uint32_t v;
  std::memcpy(&v, at, sizeof(v));
  return v;
}

bool IsNaN(simdnorm_dtype type, const uint8_t* at) {
  return IsFloatType(type) && std::isnan(LoadValue(type, at));
}

}  // namespace

size_t ElementBytes(simdnorm_dtype type) {
  switch (type) {
    case SIMDNORM_BF16:
    case SIMDNORM_F16: return 2;
    case SIMDNORM_S8:
    case SIMDNORM_U8: return 1;
    default: return 4;
  }
}

const char* TypeName(simdnorm_dtype type) {
  static const char* const kNames[] = {"f32", "bf16", "f16", "s8", "u8"};
  const int i = static_cast<int>(type);
  return i >= 0 && i < 5 ? kNames[i] : "?";
}

bool IsFloatType(simdnorm_dtype type) {
  return type == SIMDNORM_F32 || type == SIMDNORM_BF16 || type == SIMDNORM_F16;
}

double MaxFinite(simdnorm_dtype type) {
  switch (type) {
    case SIMDNORM_BF16: return 0x1.fep127;
    case SIMDNORM_F16: return 65504.0;
    default: return FLT_MAX;
  }
}

void StoreValue(simdnorm_dtype type, double f, uint8_t* at) {
  switch (type) {
    case SIMDNORM_BF16:
    case SIMDNORM_F16: {
      const uint16_t bits = simdnorm_test::Narrow(static_cast<float>(f), type);
      std::memcpy(at, &bits, sizeof(bits));
      break;
    }
    case SIMDNORM_S8:
    case SIMDNORM_U8: {
      const double lo = type == SIMDNORM_S8 ? -128.0 : 0.0;
      const double v = std::isnan(f) ? 0.0 : std::min(std::max(std::nearbyint(f), lo), lo + 255.0);
      *at = static_cast<uint8_t>(static_cast<int>(v));
      break;
    }
    default: {
      const float v = static_cast<float>(f);
      std::memcpy(at, &v, sizeof(v));
      break;
    }
  }
}

double LoadValue(simdnorm_dtype type, const uint8_t* at) {
  switch (type) {
    case SIMDNORM_BF16:
    case SIMDNORM_F16: return simdnorm_test::Widen(Load16(at), type);
    case SIMDNORM_S8: return static_cast<int8_t>(*at);
    case SIMDNORM_U8: return *at;
    default: {
      float f;
      std::memcpy(&f, at, sizeof(f));
      return f;
    }
  }
}

void StoreCanary(simdnorm_dtype type, bool reference, uint8_t* at) {
  switch (type) {
    case SIMDNORM_BF16: std::memcpy(at, &kBF16Canary, 2); break;
    case SIMDNORM_F16: std::memcpy(at, &kF16Canary, 2); break;
    case SIMDNORM_S8:
    case SIMDNORM_U8: *at = reference ? kInt8ReferenceCanary : kInt8Canary; break;
    default: std::memcpy(at, &kF32Canary, 4); break;
  }
}

bool SameResult(simdnorm_dtype type, const uint8_t* got, const uint8_t* want) {
  const size_t n = ElementBytes(type);
  if (IsNaN(type, want)) {
    uint8_t canary[4];
    StoreCanary(type, false, canary);
    return IsNaN(type, got) && std::memcmp(got, canary, n) != 0;
  }
  return std::memcmp(got, want, n) == 0;
}

std::string DescribeElement(simdnorm_dtype type, const uint8_t* at) {
  const size_t n = ElementBytes(type);
  const uint32_t bits = n == 4 ? Load32(at) : n == 2 ? Load16(at) : *at;
  char text[64];
  std::snprintf(text, sizeof(text), "%.9g (0x%0*x)", LoadValue(type, at),
                static_cast<int>(2 * n), bits);
  return text;
}

double Elements::MaxAbs(double empty) const {
  if (bytes.empty()) return empty;
  double out = 0.0;
  for (size_t i = 0; i < size(); ++i) {
    const double v = std::fabs((*this)[i]);
    if (std::isnan(v)) return v;
    out = std::max(out, v);
  }
  return out;
}

}  // namespace simdnorm_fuzz
