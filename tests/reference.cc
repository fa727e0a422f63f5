#include "reference.h"

#include <cmath>
#include <cstring>
#include <random>
#include <sstream>

namespace simdnorm_test {

void ReferenceLayerNorm(const float* x, int64_t rows, int64_t cols,
                        int64_t x_stride, const float* gamma,
                        const float* beta, double eps, std::vector<double>* y,
                        std::vector<double>* mean, std::vector<double>* rstd) {
  y->assign(rows * cols, 0.0);
  if (mean) mean->assign(rows, 0.0);
  if (rstd) rstd->assign(rows, 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * x_stride;
    // Two passes in double (long double for the sum of squares around the
    // mean is unnecessary: deviations are exact in double for fp32 inputs
    // within 2^24 of each other, and rounding stays at 1e-16).
    double sum = 0.0;
    for (int64_t c = 0; c < cols; ++c) sum += row[c];
    const double mu = sum / cols;
    double sq = 0.0;
    for (int64_t c = 0; c < cols; ++c) sq += (row[c] - mu) * (row[c] - mu);
    const double inv = 1.0 / std::sqrt(sq / cols + eps);
    for (int64_t c = 0; c < cols; ++c) {
      const double g = gamma ? gamma[c] : 1.0;
      const double b = beta ? beta[c] : 0.0;
      (*y)[r * cols + c] = (row[c] - mu) * inv * g + b;
    }
    if (mean) (*mean)[r] = mu;
    if (rstd) (*rstd)[r] = inv;
  }
}

void ReferenceRmsNorm(const float* x, int64_t rows, int64_t cols,
                      int64_t x_stride, const float* gamma, double eps,
                      std::vector<double>* y, std::vector<double>* rstd) {
  y->assign(rows * cols, 0.0);
  if (rstd) rstd->assign(rows, 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * x_stride;
    double sq = 0.0;
    for (int64_t c = 0; c < cols; ++c) sq += double{row[c]} * row[c];
    const double inv = 1.0 / std::sqrt(sq / cols + eps);
    for (int64_t c = 0; c < cols; ++c) {
      (*y)[r * cols + c] = row[c] * inv * (gamma ? gamma[c] : 1.0);
    }
    if (rstd) (*rstd)[r] = inv;
  }
}

::testing::AssertionResult AllClose(const float* y, int64_t y_stride,
                                    const std::vector<double>& ref,
                                    int64_t rows, int64_t cols, double atol,
                                    double rtol, ErrorStats* stats) {
  int64_t bad = 0;
  std::ostringstream msg;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      const double want = ref[r * cols + c];
      const double got = y[r * y_stride + c];
      bool ok;
      if (std::isnan(want)) {
        ok = std::isnan(got);
      } else {
        const double err = std::fabs(got - want);
        ok = err <= atol + rtol * std::fabs(want);  // false for NaN got
        if (stats && std::isfinite(err)) {
          stats->max_abs = std::max(stats->max_abs, err);
          ++stats->count;
        }
      }
      if (!ok && ++bad <= 5) {
        msg << "\n  [" << r << ", " << c << "]: got " << got << ", want "
            << want;
      }
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << rows * cols << " values outside atol " << atol
         << " + rtol " << rtol << msg.str();
}

std::vector<float> RandomNormal(size_t n, double mean, double stddev,
                                uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> dist(mean, stddev);
  std::vector<float> v(n);
  for (float& f : v) f = static_cast<float>(dist(rng));
  return v;
}

Buffer::Buffer(size_t n, size_t misalign)
    : storage_(n + misalign + 16 + kGuard, 0.0f), n_(n) {
  auto addr = reinterpret_cast<uintptr_t>(storage_.data());
  const uintptr_t aligned = (addr + 63) & ~uintptr_t{63};
  data_ = reinterpret_cast<float*>(aligned) + misalign;
  for (size_t i = 0; i < kGuard; ++i) data_[n_ + i] = 12345.0f;
}

void Buffer::Fill(const std::vector<float>& values) {
  std::memcpy(data_, values.data(), std::min(values.size(), n_) * sizeof(float));
}

bool Buffer::GuardIntact() const {
  for (size_t i = 0; i < kGuard; ++i) {
    if (data_[n_ + i] != 12345.0f) return false;
  }
  return true;
}

}  // namespace simdnorm_test
