// LayerNorm and RMSNorm with residual_bias (ONNX Runtime's
// SkipLayerNormalization): s = (x + residual) + residual_bias is what is
// normalized and stored to sum_out, against the float64 reference of s, with
// strides, in place, bit-identical for any thread count and in slices, and
// its errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "op_cases.h"
#include "reference.h"
#include "target_harness.h"

namespace simdnorm_test {
namespace {

constexpr double kAbsTol = 2e-5;
constexpr double kRelTol = 2e-5;
constexpr float kUntouched = -777.0f;

struct BiasCase {
  bool rms = false;
  bool residual = true;
  bool sum = true;
  int64_t rows = 4;
  int64_t cols = 64;
  int64_t pad = 0;  // extra elements per row of every strided operand
};

// Inputs and outputs of one call, strided by cols + pad.
struct BiasProblem {
  explicit BiasProblem(const BiasCase& c)
      : stride(c.cols + c.pad),
        x(RandomNormal(c.rows * stride, 1.0, 2.0, 31)),
        residual(RandomNormal(c.rows * stride, -0.5, 1.0, 32)),
        bias(RandomNormal(c.cols, 3.0, 0.5, 33)),
        gamma(RandomNormal(c.cols, 1.0, 0.3, 34)),
        beta(RandomNormal(c.cols, 0.0, 0.3, 35)),
        y(c.rows * stride, kUntouched),
        sum(c.rows * stride, kUntouched),
        mean(c.rows, kUntouched),
        rstd(c.rows, kUntouched) {
    simdnorm_row_norm_args_init(&args);
    args.rows = c.rows;
    args.cols = c.cols;
    args.x_stride = args.y_stride = args.residual_stride = args.sum_stride =
        c.pad ? stride : 0;
    args.x = x.data();
    args.y = y.data();
    args.residual = c.residual ? residual.data() : nullptr;
    args.residual_bias = bias.data();
    args.sum_out = c.sum ? sum.data() : nullptr;
    args.gamma = gamma.data();
    args.beta = c.rms ? nullptr : beta.data();
    args.mean = c.rms ? nullptr : mean.data();
    args.rstd = rstd.data();
  }
  void ClearOutputs() {
    for (std::vector<float>* out : {&y, &sum, &mean, &rstd}) {
      std::fill(out->begin(), out->end(), kUntouched);
    }
  }
  // s as the library defines it: fp32 adds, residual first.
  std::vector<float> Sum(const BiasCase& c) const {
    std::vector<float> s(c.rows * c.cols);
    for (int64_t r = 0; r < c.rows; ++r) {
      for (int64_t i = 0; i < c.cols; ++i) {
        const int64_t at = r * stride + i;
        const float xr = c.residual ? x[at] + residual[at] : x[at];
        s[r * c.cols + i] = xr + bias[i];
      }
    }
    return s;
  }
  int64_t stride;
  std::vector<float> x, residual, bias, gamma, beta, y, sum, mean, rstd;
  simdnorm_row_norm_args args;
};

simdnorm_status RunRowNorm(bool rms, simdnorm_context* ctx,
                           const simdnorm_row_norm_args& args) {
  return rms ? simdnorm_rms_norm(ctx, &args) : simdnorm_layer_norm(ctx, &args);
}

class ResidualBiasTest : public TargetTest {
 protected:
  void Check(const BiasCase& c) {
    SCOPED_TRACE(::testing::Message()
                 << (c.rms ? "RMSNorm" : "LayerNorm") << " " << c.rows << "x"
                 << c.cols << " pad " << c.pad
                 << (c.residual ? " residual" : "")
                 << (c.sum ? " sum_out" : ""));
    BiasProblem p(c);
    ASSERT_EQ(RunRowNorm(c.rms, raw(), p.args), SIMDNORM_OK)
        << simdnorm_last_error();
    const std::vector<float> s = p.Sum(c);
    std::vector<double> ref, ref_mean, ref_rstd;
    if (c.rms) {
      ReferenceRmsNorm(s.data(), c.rows, c.cols, c.cols, p.gamma.data(),
                       p.args.eps, &ref, &ref_rstd);
    } else {
      ReferenceLayerNorm(s.data(), c.rows, c.cols, c.cols, p.gamma.data(),
                         p.beta.data(), p.args.eps, &ref, &ref_mean, &ref_rstd);
    }
    EXPECT_TRUE(
        AllClose(p.y.data(), p.stride, ref, c.rows, c.cols, kAbsTol, kRelTol));
    for (int64_t r = 0; r < c.rows; ++r) {
      if (!c.rms) {
        EXPECT_NEAR(p.mean[r], ref_mean[r],
                    1e-6 * (1 + std::fabs(ref_mean[r])));
      }
      EXPECT_NEAR(p.rstd[r], ref_rstd[r], 2e-6 * ref_rstd[r]);
    }
    for (int64_t r = 0; r < c.rows; ++r) {
      for (int64_t i = 0; i < p.stride; ++i) {
        const float got = p.sum[r * p.stride + i];
        if (c.sum && i < c.cols) {
          ASSERT_EQ(got, s[r * c.cols + i]) << "sum_out row " << r;
        } else {
          ASSERT_EQ(got, kUntouched) << "sum_out written at " << r << ", " << i;
        }
        if (i >= c.cols) {
          ASSERT_EQ(p.y[r * p.stride + i], kUntouched) << "padding of y";
        }
      }
    }
  }
};

TEST_P(ResidualBiasTest, MatchesTheReference) {
  for (const bool rms : {false, true}) {
    for (const bool residual : {true, false}) {
      for (const bool sum : {true, false}) {
        for (const int64_t cols : {1, 5, 64, 1001}) {
          for (const int64_t pad : {0, 3}) {
            BiasCase c;
            c.rms = rms;
            c.residual = residual;
            c.sum = sum;
            c.cols = cols;
            c.pad = pad;
            Check(c);
          }
        }
      }
    }
  }
}

// Outputs of one call, gathered for bitwise comparison.
std::vector<float> Outputs(const BiasProblem& p) {
  std::vector<float> out = p.y;
  out.insert(out.end(), p.sum.begin(), p.sum.end());
  out.insert(out.end(), p.mean.begin(), p.mean.end());
  out.insert(out.end(), p.rstd.begin(), p.rstd.end());
  return out;
}

// Thread counts, slices, the split path of one long row (small tile
// parameters), and many rows: the same bits.
TEST_P(ResidualBiasTest, SameBitsForAnySplit) {
  struct Shape {
    int64_t rows, cols;
  };
  for (const Shape shape :
       {Shape{256, 768}, Shape{1, 100003}, Shape{3, 40000}}) {
    for (const bool rms : {false, true}) {
      for (const bool sum : {false, true}) {
        SCOPED_TRACE(::testing::Message() << shape.rows << "x" << shape.cols
                                          << (rms ? " RMSNorm" : " LayerNorm")
                                          << (sum ? " sum_out" : ""));
        BiasCase c;
        c.rms = rms;
        c.sum = sum;
        c.rows = shape.rows;
        c.cols = shape.cols;
        std::vector<std::vector<float>> results;
        BiasProblem p(c);
        for (const int threads : {1, 2, 8}) {
          simdnorm::Context ctx = ctx_threads(threads);
          const simdnorm::TileParams split = SmallTiles();
          for (const bool small_tiles : {false, true}) {
            if (small_tiles) {
              ctx.set_tile_params(
                  rms ? SIMDNORM_OP_RMS_NORM : SIMDNORM_OP_LAYER_NORM,
                  SIMDNORM_NCHW, c.cols, &split);
            }
            p.ClearOutputs();
            ASSERT_EQ(RunRowNorm(rms, ctx.get(), p.args), SIMDNORM_OK)
                << simdnorm_last_error();
            results.push_back(Outputs(p));
          }
        }
        // Slices on the caller's thread (default parameters).
        p.ClearOutputs();
        const int64_t step = std::max<int64_t>(1, c.rows / 3);
        for (int64_t b = 0; b < c.rows; b += step) {
          const int64_t e = std::min(c.rows, b + step);
          ASSERT_EQ(rms ? simdnorm_rms_norm_slice(raw(), &p.args, b, e)
                        : simdnorm_layer_norm_slice(raw(), &p.args, b, e),
                    SIMDNORM_OK)
              << simdnorm_last_error();
        }
        results.push_back(Outputs(p));
        // Even results: default parameters; odd: the small tiles.
        for (size_t i = 2; i < results.size(); ++i) {
          EXPECT_TRUE(results[i] == results[i % 2]) << "result " << i;
        }
      }
    }
  }
}

// sum_out over x, y over x, y over the residual: the out-of-place bits.
TEST_P(ResidualBiasTest, InPlace) {
  BiasCase c;
  c.rows = 5;
  c.cols = 333;
  for (const bool rms : {false, true}) {
    c.rms = rms;
    BiasProblem want(c);
    ASSERT_EQ(RunRowNorm(rms, raw(), want.args), SIMDNORM_OK);
    for (int mode = 0; mode < 3; ++mode) {
      SCOPED_TRACE(mode);
      BiasProblem p(c);
      if (mode == 0) {
        p.args.sum_out = p.x.data();
      } else if (mode == 1) {
        p.args.y = p.x.data();
      } else {
        p.args.y = p.residual.data();
      }
      ASSERT_EQ(RunRowNorm(rms, raw(), p.args), SIMDNORM_OK)
          << simdnorm_last_error();
      const std::vector<float>& y = mode == 0   ? p.y
                                    : mode == 1 ? p.x
                                                : p.residual;
      EXPECT_EQ(y, want.y);
      EXPECT_EQ(mode == 0 ? p.x : p.sum, want.sum);
    }
  }
}

SIMDNORM_INSTANTIATE_FOR_TARGETS(ResidualBiasTest);

TEST(ResidualBiasBadInput, EachErrorHasStatusMessageAndWritesNothing) {
  struct Bad {
    const char* what;
    void (*mutate)(BiasProblem&);
    const char* message;
  };
  const Bad cases[] = {
      {"bias on y",
       [](BiasProblem& p) { p.args.residual_bias = p.y.data() + 8; },
       "input residual_bias and output y overlap"},
      {"bias on sum_out",
       [](BiasProblem& p) { p.args.residual_bias = p.sum.data(); },
       "input residual_bias and output sum_out overlap"},
      {"bias on rstd", [](BiasProblem& p) { p.args.rstd = p.bias.data() + 2; },
       "input residual_bias and output rstd overlap"},
      {"sum_out without residual or bias",
       [](BiasProblem& p) {
         p.args.residual = nullptr;
         p.args.residual_bias = nullptr;
       },
       "sum_out needs a residual or residual_bias input"},
  };
  for (const Bad& bad : cases) {
    for (const bool rms : {false, true}) {
      SCOPED_TRACE(std::string(bad.what) + (rms ? " RMSNorm" : " LayerNorm"));
      BiasCase c;
      c.rms = rms;
      BiasProblem p(c);
      bad.mutate(p);
      const std::vector<float> bias = p.bias;
      EXPECT_TRUE(FailedWith(RunRowNorm(rms, nullptr, p.args),
                             SIMDNORM_INVALID_ARGUMENT, bad.message));
      for (const std::vector<float>* out : {&p.y, &p.sum, &p.mean, &p.rstd}) {
        for (float v : *out) ASSERT_EQ(v, kUntouched) << "written on error";
      }
      EXPECT_EQ(p.bias, bias);
    }
  }
}

}  // namespace
}  // namespace simdnorm_test
