// The numerics contract of the row norms on adversarial data, on every ISA
// target: large offsets, constant rows, magnitudes from 1e-40 to FLT_MAX,
// NaN and Inf confined to their row. Max errors are printed for the record.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "reference.h"
#include "target_harness.h"

namespace simdnorm_test {
namespace {

class RowNumericsTest : public TargetTest {
 protected:
  std::vector<float> Run(bool rms, const std::vector<float>& x, int64_t rows,
                         int64_t cols, float eps, const float* gamma = nullptr,
                         const float* beta = nullptr,
                         std::vector<float>* rstd = nullptr) {
    std::vector<float> y(x.size());
    simdnorm::RowNormArgs args;
    args.rows = rows;
    args.cols = cols;
    args.eps = eps;
    args.x = x.data();
    args.y = y.data();
    args.gamma = gamma;
    args.beta = beta;
    if (rstd) {
      rstd->resize(rows);
      args.rstd = rstd->data();
    }
    if (rms) {
      simdnorm::RmsNorm(args, &ctx());
    } else {
      simdnorm::LayerNorm(args, &ctx());
    }
    return y;
  }

  // Checks against the reference and returns the max abs error.
  double Compare(bool rms, const std::vector<float>& x, int64_t rows,
                 int64_t cols, float eps, double atol, double rtol,
                 const char* what) {
    const std::vector<float> y = Run(rms, x, rows, cols, eps);
    std::vector<double> ref;
    if (rms) {
      ReferenceRmsNorm(x.data(), rows, cols, cols, nullptr, eps, &ref, nullptr);
    } else {
      ReferenceLayerNorm(x.data(), rows, cols, cols, nullptr, nullptr, eps,
                         &ref, nullptr, nullptr);
    }
    ErrorStats stats;
    EXPECT_TRUE(AllClose(y.data(), cols, ref, rows, cols, atol, rtol, &stats))
        << what;
    size_t non_finite = 0;
    for (float v : y) non_finite += std::isfinite(v) ? 0 : 1;
    EXPECT_EQ(non_finite, 0u) << what << ": finite input gave Inf/NaN";
    std::printf("[ numerics ] %-8s %-4s %-44s max abs error %.3g\n",
                GetParam().c_str(), rms ? "RMS" : "LN", what, stats.max_abs);
    return stats.max_abs;
  }
};

// Mean 1e4, std 1: the required bound is 1e-3 (PyTorch 1.13: 2e-3). The
// pivot-shifted form keeps x - pivot exact, so the error stays at fp32
// rounding of the normalized value.
TEST_P(RowNumericsTest, LargeOffset) {
  const int64_t rows = 8, cols = 4096;
  Compare(false, RandomNormal(rows * cols, 1e4, 1.0, 21), rows, cols, 1e-5f,
          1e-3, 0.0, "offset 1e4, std 1 (bound 1e-3)");
  Compare(false, RandomNormal(rows * cols, 1e6, 1.0, 22), rows, cols, 1e-5f,
          1e-4, 0.0, "offset 1e6, std 1 (bound 1e-4)");
  Compare(false, RandomNormal(rows * cols, -3e7, 10.0, 23), rows, cols, 1e-5f,
          1e-4, 0.0, "offset -3e7, std 10 (bound 1e-4)");
}

// A linear ramp: the pivot is far from most values.
TEST_P(RowNumericsTest, Ramp) {
  const int64_t cols = 100000;
  std::vector<float> x(cols);
  for (int64_t i = 0; i < cols; ++i) x[i] = 1000.0f + static_cast<float>(i);
  Compare(false, x, 1, cols, 1e-5f, 1e-5, 1e-5, "ramp 1000..101000");
}

TEST_P(RowNumericsTest, ConstantRowGivesExactlyBeta) {
  for (int64_t cols : {1, 3, 16, 17, 1000, 40000}) {
    for (float value : {0.0f, 0.1f, -7.25f, 3e5f, 1e30f, -1e-30f}) {
      std::vector<float> x(2 * cols, value);
      const std::vector<float> gamma = RandomNormal(cols, 1.0, 1.0, 31);
      const std::vector<float> beta = RandomNormal(cols, 0.0, 1.0, 32);
      const std::vector<float> y =
          Run(false, x, 2, cols, 1e-5f, gamma.data(), beta.data());
      for (int64_t i = 0; i < 2 * cols; ++i) {
        ASSERT_EQ(y[i], beta[i % cols])
            << "cols " << cols << " value " << value << " at " << i;
      }
    }
  }
}

// Finite values whose squares overflow fp32: no Inf/NaN, correct result.
TEST_P(RowNumericsTest, HugeMagnitudes) {
  const int64_t rows = 3, cols = 1027;
  Compare(false, RandomNormal(rows * cols, 0.0, 1e30, 41), rows, cols, 1e-5f,
          1e-5, 1e-5, "N(0, 1e30)");
  Compare(true, RandomNormal(rows * cols, 0.0, 1e30, 42), rows, cols, 1e-5f,
          1e-5, 1e-5, "N(0, 1e30)");
  Compare(false, RandomNormal(rows * cols, 2e37, 1e37, 43), rows, cols,
          1e-5f, 1e-5, 1e-5, "N(2e37, 1e37)");
  // Values at +-FLT_MAX: x - pivot itself overflows without scaling.
  std::vector<float> x(rows * cols);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = (i % 3 == 0 ? -FLT_MAX : FLT_MAX) * (0.5f + 0.5f * ((i * 7) % 11) / 11);
  }
  Compare(false, x, rows, cols, 1e-5f, 1e-5, 1e-5, "+-FLT_MAX mixture");
  Compare(true, x, rows, cols, 1e-5f, 1e-5, 1e-5, "+-FLT_MAX mixture");
}

// Tiny values whose squares underflow fp32, with eps = 0 so that the
// variance itself matters.
TEST_P(RowNumericsTest, TinyMagnitudes) {
  const int64_t rows = 3, cols = 515;
  Compare(false, RandomNormal(rows * cols, 0.0, 1e-30, 51), rows, cols, 0.0f,
          1e-5, 1e-5, "N(0, 1e-30), eps 0");
  Compare(true, RandomNormal(rows * cols, 0.0, 1e-30, 52), rows, cols, 0.0f,
          1e-5, 1e-5, "N(0, 1e-30), eps 0");
  Compare(false, RandomNormal(rows * cols, 1e3, 1e-3, 53), rows, cols, 0.0f,
          1e-4, 1e-4, "N(1e3, 1e-3), eps 0");
  // Denormal inputs: the result is only as precise as the inputs' few bits,
  // which the reference sees too.
  std::vector<float> x(rows * cols);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = std::numeric_limits<float>::denorm_min() * static_cast<float>(i % 97);
  }
  Compare(false, x, rows, cols, 0.0f, 1e-5, 1e-5, "denormals, eps 0");
  Compare(true, x, rows, cols, 0.0f, 1e-5, 1e-5, "denormals, eps 0");
}

// NaN or Inf makes its own row NaN (values, mean, rstd) and nothing else.
TEST_P(RowNumericsTest, NonFiniteStaysInItsRow) {
  const float kNaN = std::numeric_limits<float>::quiet_NaN();
  const float kInf = std::numeric_limits<float>::infinity();
  for (float bad : {kNaN, kInf, -kInf}) {
    for (int64_t cols : {1, 5, 100, 40000}) {
      for (bool rms : {false, true}) {
        const int64_t rows = 3;
        std::vector<float> x = RandomNormal(rows * cols, 1.0, 1.0, 61);
        x[cols + cols / 2] = bad;  // row 1
        std::vector<float> rstd;
        const std::vector<float> y =
            Run(rms, x, rows, cols, 1e-5f, nullptr, nullptr, &rstd);
        for (int64_t c = 0; c < cols; ++c) {
          ASSERT_TRUE(std::isnan(y[cols + c])) << "row 1 col " << c;
          ASSERT_TRUE(std::isfinite(y[c])) << "row 0 col " << c;
          ASSERT_TRUE(std::isfinite(y[2 * cols + c])) << "row 2 col " << c;
        }
        EXPECT_TRUE(std::isnan(rstd[1]));
        EXPECT_TRUE(std::isfinite(rstd[0]) && std::isfinite(rstd[2]));
      }
    }
  }
}

SIMDNORM_INSTANTIATE_FOR_TARGETS(RowNumericsTest);

}  // namespace
}  // namespace simdnorm_test
