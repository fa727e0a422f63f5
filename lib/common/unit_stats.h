// Turning the moments of one normalization unit (row, group, channel) into
// mean, rstd and the scale/pivot form the normalize kernels use, including
// the retries that keep huge and tiny finite data exact.
#ifndef SIMDNORM_COMMON_UNIT_STATS_H_
#define SIMDNORM_COMMON_UNIT_STATS_H_

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/moments.h"

namespace simdnorm::internal {

// Power-of-two scale for a second pass when squares overflowed fp32 (|x|
// beyond ~1e19): keeps every finite value's square finite.
constexpr float kShrinkScale = 0x1p-80f;

// Median of three samples: a pivot that is one of the values (so a constant
// unit shifts to exact zeros) and not an outlier unless two samples are.
inline float MedianOf3(float a, float b, float c) {
  if (a > b) std::swap(a, b);
  if (b > c) std::swap(b, c);
  if (a > b) std::swap(a, b);
  return b;
}

// Which power-of-two scale, if any, a second moments pass needs; 1 means
// the first pass (at scale 1) is good. Moments are of unscaled, shifted
// values. Overflow (or NaN/Inf in the data, which stays non-finite):
// shrink. Squares that may have underflowed while eps is too small to hide
// it: grow as far as the values' magnitude (close to the pivot's, since the
// variance is tiny) allows.
inline float RetryScale(const Moments& m, float pivot, float eps) {
  if (!IsFinite(m)) return kShrinkScale;
  // The usual eps decides alone: no division for it.
  if (eps >= 0x1p-60f) return 1.0f;
  const double var = m.m2 / m.count;
  if (var >= 0x1p-90) return 1.0f;
  const int pivot_exponent = pivot == 0.0f ? -150 : std::ilogb(pivot);
  const int grow = std::min(90, 40 - pivot_exponent);
  return grow > 0 ? std::ldexp(1.0f, grow) : 1.0f;
}

struct UnitStats {
  double mean;  // of the unit's values
  double rstd;  // 1 / sqrt(var + eps); NaN if the unit holds NaN or Inf
  // Normalize form: ((x * scale - scaled_pivot) - shifted_mean) * inv_std.
  float scale;
  float scaled_pivot;
  float shifted_mean;
  float inv_std;
};

// m: moments of (x - pivot) (unscaled); scale: what the normalize pass uses.
inline UnitStats FinishStats(const Moments& m, float pivot, float scale,
                             float eps, bool centered) {
  UnitStats s;
  const double var = m.m2 / m.count;  // biased; about 0 for RMSNorm
  s.rstd = 1.0 / std::sqrt(var + static_cast<double>(eps));
  if (!IsFinite(m)) s.rstd = std::numeric_limits<double>::quiet_NaN();
  const double shift = centered ? m.mean : 0.0;
  s.mean = static_cast<double>(pivot) + shift;
  s.scale = scale;
  s.scaled_pivot = pivot * scale;
  s.shifted_mean = static_cast<float>(shift * scale);
  // x / 1 == x exactly: skip the division in the common case.
  s.inv_std = static_cast<float>(scale == 1.0f ? s.rstd : s.rstd / scale);
  return s;
}

// Smallest double that rounds to float Inf (FLT_MAX + half an ulp).
constexpr double kFloatOverflow = 0x1.ffffffp127;

// The scale, scaled pivot and multiplier of a channel in the normalize
// form y = (x * scale - scaled_pivot) * mul + add.
struct ChannelMultiplier {
  float scale;
  float scaled_pivot;
  float mul;
};

// mul = a rounded to float, unless a finite a is past the float range (a
// gamma near FLT_MAX over a variance at or below eps): then the power of
// two that brings it back into range moves into scale and scaled_pivot,
// which stay exact, so a constant unit still gives 0 * mul + add = beta
// (not 0 * Inf = NaN) and the others their finite values. Where the
// scaled pivot would overflow instead (only units whose values all lie
// within rounding of the pivot get there), mul saturates at FLT_MAX.
inline ChannelMultiplier FitMultiplier(double a, float scale,
                                       float scaled_pivot) {
  if (!(std::fabs(a) >= kFloatOverflow) || std::isinf(a)) {
    return {scale, scaled_pivot, static_cast<float>(a)};
  }
  const double factor = std::ldexp(1.0, std::ilogb(a) - 126);
  const double fitted_scale = static_cast<double>(scale) * factor;
  const double fitted_pivot = static_cast<double>(scaled_pivot) * factor;
  if (fitted_scale < kFloatOverflow &&
      std::fabs(fitted_pivot) < kFloatOverflow) {
    return {static_cast<float>(fitted_scale), static_cast<float>(fitted_pivot),
            static_cast<float>(a / factor)};
  }
  const float saturated = std::numeric_limits<float>::max();
  return {scale, scaled_pivot, a < 0.0 ? -saturated : saturated};
}

}  // namespace simdnorm::internal

#endif  // SIMDNORM_COMMON_UNIT_STATS_H_
