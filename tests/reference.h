// Float64 references computed from the same fp32 inputs, test data
// generators and tolerance checks.
#ifndef SIMDNORM_TESTS_REFERENCE_H_
#define SIMDNORM_TESTS_REFERENCE_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace simdnorm_test {

// y[r, c] of a row norm in double; mean/rstd per row (may be null).
// gamma/beta may be null (1 / 0).
void ReferenceLayerNorm(const float* x, int64_t rows, int64_t cols,
                        int64_t x_stride, const float* gamma,
                        const float* beta, double eps, std::vector<double>* y,
                        std::vector<double>* mean, std::vector<double>* rstd);
void ReferenceRmsNorm(const float* x, int64_t rows, int64_t cols,
                      int64_t x_stride, const float* gamma, double eps,
                      std::vector<double>* y, std::vector<double>* rstd);

// Largest error seen by a comparison, for reporting.
struct ErrorStats {
  double max_abs = 0.0;
  int64_t count = 0;
};

// Each y[r * y_stride + c] within atol + rtol * |ref| of ref[r * cols + c];
// a NaN reference requires NaN. Reports the first few mismatches.
::testing::AssertionResult AllClose(const float* y, int64_t y_stride,
                                    const std::vector<double>& ref,
                                    int64_t rows, int64_t cols, double atol,
                                    double rtol, ErrorStats* stats = nullptr);

// Deterministic pseudo-random normal values.
std::vector<float> RandomNormal(size_t n, double mean, double stddev,
                                uint32_t seed);

// Zero-filled float storage whose data() is `misalign` floats past a
// 64-byte boundary; `guard` sentinel floats after the end detect overruns.
class Buffer {
 public:
  explicit Buffer(size_t n, size_t misalign = 0);
  float* data() { return data_; }
  const float* data() const { return data_; }
  size_t size() const { return n_; }
  void Fill(const std::vector<float>& values);
  // True if nothing was written past size().
  bool GuardIntact() const;

 private:
  static constexpr size_t kGuard = 64;
  std::vector<float> storage_;
  float* data_;
  size_t n_;
};

}  // namespace simdnorm_test

#endif  // SIMDNORM_TESTS_REFERENCE_H_
