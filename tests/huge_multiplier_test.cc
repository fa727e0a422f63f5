// Channels whose folded multiplier rstd * gamma lies past the float range
// (a gamma near FLT_MAX over a variance at or below eps), on every target:
// a constant channel or group still gives exactly beta (not 0 * Inf =
// NaN), and a channel with a spread of a few ulps still gives the finite
// values of the float64 reference. GroupNorm, InstanceNorm, BatchNorm
// inference and batch statistics (the vector finish and the general path),
// and LayerNorm for comparison.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "op_args.h"
#include "reference.h"
#include "reference_channels.h"
#include "simdnorm/simdnorm.hpp"
#include "target_harness.h"

namespace simdnorm_test {
namespace {

constexpr simdnorm_layout kLayouts[] = {SIMDNORM_NCHW, SIMDNORM_NHWC};
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Channel kinds, by c % 4: a constant at a large offset, a spread of a few
// ulps around 1 (variance far below eps), ordinary data, a constant 0.
enum Kind { kConstant, kFewUlps, kOrdinary, kZero };

Kind KindOf(int64_t c) { return static_cast<Kind>(c % 4); }

float ValueOf(int64_t n, int64_t c, int64_t s) {
  switch (KindOf(c)) {
    case kConstant:
      return 12345.678f;
    case kFewUlps:
      return 1.0f + static_cast<float>((n * 7 + s * 3 + c) % 5) * 0x1p-23f;
    case kOrdinary:
      return std::sin(static_cast<float>(n * 131 + s * 17 + c)) * 3.0f;
    case kZero:
      break;
  }
  return 0.0f;
}

struct Params {
  std::vector<float> gamma, beta;
};

// A huge gamma of either sign except on the ordinary channels.
Params ParamsFor(int64_t channels) {
  Params p;
  for (int64_t c = 0; c < channels; ++c) {
    const float sign = (c / 4) % 2 ? -1.0f : 1.0f;
    p.gamma.push_back(KindOf(c) == kOrdinary ? 1.5f : sign * 3e38f);
    p.beta.push_back(0.25f * static_cast<float>(c) - 1.0f);
  }
  return p;
}

std::vector<float> Tensor(simdnorm_layout layout, int64_t N, int64_t C,
                          int64_t S) {
  std::vector<float> x(N * C * S);
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t s = 0; s < S; ++s) {
        x[TensorIndex(layout, C, S, n, c, s)] = ValueOf(n, c, s);
      }
    }
  }
  return x;
}

// Constant channels exactly beta; the others finite and within 2e-5 of
// the reference relative to the channel's largest output (a multiplier of
// 1e41 turns an error of 1e-41 in the mean into 1 in y: relative to one
// output near zero, no method is accurate); channel `poisoned` (or none:
// -1) NaN.
void ExpectChannels(const std::vector<float>& y, const std::vector<double>& ref,
                    const Params& p, simdnorm_layout layout, int64_t N,
                    int64_t C, int64_t S, int64_t poisoned = -1) {
  std::vector<double> largest(C, 1.0);
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t s = 0; s < S; ++s) {
        const double r = std::fabs(ref[TensorIndex(layout, C, S, n, c, s)]);
        if (std::isfinite(r)) largest[c] = std::max(largest[c], r);
      }
    }
  }
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t s = 0; s < S; ++s) {
        const int64_t i = TensorIndex(layout, C, S, n, c, s);
        SCOPED_TRACE(::testing::Message()
                     << "n=" << n << " c=" << c << " s=" << s);
        if (c == poisoned) {
          ASSERT_TRUE(std::isnan(y[i]));
        } else if (KindOf(c) == kConstant || KindOf(c) == kZero) {
          ASSERT_EQ(y[i], p.beta[c]) << "a constant channel gives beta";
        } else {
          ASSERT_TRUE(std::isfinite(y[i])) << y[i] << " want " << ref[i];
          ASSERT_LE(std::fabs(y[i] - ref[i]), 2e-5 * largest[c])
              << y[i] << " want " << ref[i];
        }
      }
    }
  }
}

simdnorm::BatchNormArgs BatchNormArgsFor(simdnorm_layout layout, int64_t N,
                                         int64_t C, int64_t S,
                                         const std::vector<float>& x,
                                         const Params& p, std::vector<float>* y,
                                         std::vector<float>* running_mean,
                                         std::vector<float>* running_var) {
  auto a = ChannelArgs<simdnorm::BatchNormArgs>(N, C, S, layout, x.data(),
                                                y->data());
  a.gamma = p.gamma.data();
  a.beta = p.beta.data();
  a.running_mean = running_mean->data();
  a.running_var = running_var->data();
  return a;
}

class HugeMultiplierTest : public TargetTest {};

TEST_P(HugeMultiplierTest, GroupNormAndInstanceNorm) {
  const int64_t N = 2, S = 37;
  const int64_t C = std::max<int64_t>(8, LanesOfTarget(GetParam()) + 4);
  const Params p = ParamsFor(C);
  for (simdnorm_layout layout : kLayouts) {
    SCOPED_TRACE(layout);
    const std::vector<float> x = Tensor(layout, N, C, S);
    std::vector<float> y(x.size());
    auto a = ChannelArgs<simdnorm::GroupNormArgs>(N, C, S, layout, x.data(),
                                                  y.data());
    a.groups = C;  // every group one channel of one kind
    a.gamma = p.gamma.data();
    a.beta = p.beta.data();
    std::vector<double> ref;
    ReferenceGroupNorm(x.data(), layout, N, C, S, C, p.gamma.data(),
                       p.beta.data(), a.eps, SIMDNORM_ACT_NONE, &ref, nullptr,
                       nullptr);
    ASSERT_EQ(simdnorm_group_norm(raw(), &a), SIMDNORM_OK);
    ExpectChannels(y, ref, p, layout, N, C, S);
    std::fill(y.begin(), y.end(), kNaN);
    ASSERT_EQ(simdnorm_instance_norm(raw(), &a), SIMDNORM_OK);
    ExpectChannels(y, ref, p, layout, N, C, S);
  }
}

TEST_P(HugeMultiplierTest, BatchNormInference) {
  const int64_t N = 3, S = 5;
  const int64_t C = std::max<int64_t>(8, LanesOfTarget(GetParam()) + 4);
  const Params p = ParamsFor(C);
  // Running statistics: the mean of the channel's kind and no variance.
  std::vector<float> running_mean(C), running_var(C, 0.0f);
  for (int64_t c = 0; c < C; ++c) running_mean[c] = ValueOf(0, c, 0);
  for (simdnorm_layout layout : kLayouts) {
    SCOPED_TRACE(layout);
    const std::vector<float> x = Tensor(layout, N, C, S);
    std::vector<float> y(x.size());
    const simdnorm::BatchNormArgs a = BatchNormArgsFor(
        layout, N, C, S, x, p, &y, &running_mean, &running_var);
    std::vector<double> ref;
    ReferenceBatchNorm(x.data(), layout, N, C, S, p.gamma.data(),
                       p.beta.data(), running_mean.data(), running_var.data(),
                       a.eps, SIMDNORM_ACT_NONE, &ref, nullptr, nullptr,
                       nullptr);
    ASSERT_EQ(simdnorm_batch_norm_inference(raw(), &a), SIMDNORM_OK);
    ExpectChannels(y, ref, p, layout, N, C, S);
  }
}

// S = 1 and few rows: the vector finish; a NaN in the last channel sends
// the same data down the general path; S = 300: several row tiles.
TEST_P(HugeMultiplierTest, BatchNormBatchStatistics) {
  const int64_t C = std::max<int64_t>(8, LanesOfTarget(GetParam()) + 5);
  const Params p = ParamsFor(C);
  for (simdnorm_layout layout : kLayouts) {
    for (int64_t S : {1, 300}) {
      for (bool poison : {false, true}) {
        SCOPED_TRACE(::testing::Message() << layout << " S=" << S
                                          << " poison=" << poison);
        const int64_t N = 6;
        std::vector<float> x = Tensor(layout, N, C, S);
        if (poison) x[TensorIndex(layout, C, S, 1, C - 1, 0)] = kNaN;
        std::vector<float> y(x.size());
        std::vector<float> running_mean(C, 0.0f), running_var(C, 1.0f);
        const simdnorm::BatchNormArgs a = BatchNormArgsFor(
            layout, N, C, S, x, p, &y, &running_mean, &running_var);
        std::vector<double> ref;
        ReferenceBatchNorm(x.data(), layout, N, C, S, p.gamma.data(),
                           p.beta.data(), nullptr, nullptr, a.eps,
                           SIMDNORM_ACT_NONE, &ref, nullptr, nullptr, nullptr);
        ASSERT_EQ(simdnorm_batch_norm_training(raw(), &a), SIMDNORM_OK);
        ExpectChannels(y, ref, p, layout, N, C, S, poison ? C - 1 : -1);
      }
    }
  }
}

// The row norms multiply by gamma after rstd: no folded product to
// overflow. Checked here so that every op is held to the same rule.
TEST_P(HugeMultiplierTest, LayerNorm) {
  const int64_t rows = 4;
  const int64_t cols = std::max<int64_t>(8, LanesOfTarget(GetParam()) + 3);
  std::vector<float> x(rows * cols);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      // Rows 0, 2: constant; rows 1, 3: a few ulps around 1.
      x[r * cols + c] = r % 2 ? ValueOf(0, kFewUlps, c) : 12345.678f;
    }
  }
  std::vector<float> gamma(cols, 3e38f), beta(cols);
  for (int64_t c = 0; c < cols; ++c) beta[c] = 0.5f * static_cast<float>(c);
  std::vector<float> y(x.size());
  simdnorm::RowNormArgs a;
  a.rows = rows;
  a.cols = cols;
  a.x = x.data();
  a.y = y.data();
  a.gamma = gamma.data();
  a.beta = beta.data();
  ASSERT_EQ(simdnorm_layer_norm(raw(), &a), SIMDNORM_OK);
  std::vector<double> ref;
  ReferenceLayerNorm(x.data(), rows, cols, cols, gamma.data(), beta.data(),
                     a.eps, &ref, nullptr, nullptr);
  for (int64_t i = 0; i < rows * cols; ++i) {
    if ((i / cols) % 2 == 0) {
      ASSERT_EQ(y[i], beta[i % cols]) << i;
    } else {
      ASSERT_LE(std::fabs(y[i] - ref[i]), 2e-5 * (1.0 + std::fabs(ref[i])))
          << i << ": " << y[i] << " want " << ref[i];
    }
  }
}

SIMDNORM_INSTANTIATE_FOR_TARGETS(HugeMultiplierTest);

}  // namespace
}  // namespace simdnorm_test
