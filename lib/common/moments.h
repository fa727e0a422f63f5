// Moments of a set of values: count, mean and sum of squared deviations
// (M2), in double. Kernels produce them per block; everything above merges
// them with Chan's parallel formula in a fixed order, so results never
// depend on how work was split across threads.
#ifndef SIMDNORM_COMMON_MOMENTS_H_
#define SIMDNORM_COMMON_MOMENTS_H_

#include <cmath>

namespace simdnorm::internal {

struct Moments {
  double count = 0.0;
  double mean = 0.0;  // of the values as the kernel saw them (shifted, scaled)
  double m2 = 0.0;    // sum of squared deviations from `mean`
};

// Moments of a block from its plain and squared sums (of values that were
// already shifted by a pivot, so s1 is small and s2 - s1 * mean is benign).
inline Moments MomentsFromSums(double count, double s1, double s2) {
  Moments m;
  m.count = count;
  m.mean = s1 / count;
  m.m2 = s2 - s1 * m.mean;
  if (m.m2 < 0.0) m.m2 = 0.0;  // rounding only: a variance is never negative
  return m;
}

// Chan, Golub & LeVeque: combine the moments of two disjoint sets.
inline void MergeMoments(Moments& into, const Moments& other) {
  if (other.count == 0.0) return;
  if (into.count == 0.0) {
    into = other;
    return;
  }
  const double count = into.count + other.count;
  const double delta = other.mean - into.mean;
  const double weight = other.count / count;
  into.mean += delta * weight;
  into.m2 += other.m2 + delta * delta * into.count * weight;
  into.count = count;
}

// Undoes a power-of-two scale the kernel applied to the values.
inline Moments UnscaleMoments(const Moments& m, double scale) {
  Moments out = m;
  out.mean = m.mean / scale;
  out.m2 = m.m2 / (scale * scale);
  return out;
}

inline bool IsFinite(const Moments& m) {
  return std::isfinite(m.mean) && std::isfinite(m.m2);
}

}  // namespace simdnorm::internal

#endif  // SIMDNORM_COMMON_MOMENTS_H_
