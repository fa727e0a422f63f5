// BatchNorm (inference and batch statistics) on every ISA target against
// float64 references, the running-statistics update against hand-computed
// values, thread-count reproducibility and bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <string>
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
constexpr simdnorm_activation kActivations[] = {
    SIMDNORM_ACT_NONE, SIMDNORM_ACT_RELU, SIMDNORM_ACT_SILU,
    SIMDNORM_ACT_GELU_ERF, SIMDNORM_ACT_GELU_TANH};

simdnorm::BatchNormArgs MakeArgs(int64_t n, int64_t c, int64_t s,
                                 simdnorm_layout layout, const float* x,
                                 float* y) {
  return ChannelArgs<simdnorm::BatchNormArgs>(n, c, s, layout, x, y);
}

class BatchNormTest : public TargetTest {
 protected:
  void CheckInference(int64_t n, int64_t c, int64_t s, simdnorm_layout layout,
                      simdnorm_activation act) {
    SCOPED_TRACE(::testing::Message() << "N=" << n << " C=" << c << " S=" << s
                                      << " layout=" << layout
                                      << " act=" << ActivationName(act));
    const int64_t elems = n * c * s;
    const std::vector<float> x = RandomNormal(elems, 1.0, 2.0, 31);
    const std::vector<float> gamma = RandomNormal(c, 1.0, 0.5, 32);
    const std::vector<float> beta = RandomNormal(c, 0.0, 0.5, 33);
    const std::vector<float> rmean = RandomNormal(c, 1.0, 1.0, 34);
    std::vector<float> rvar = RandomNormal(c, 4.0, 1.0, 35);
    for (float& v : rvar) v = std::fabs(v);
    Buffer y(elems);
    auto a = MakeArgs(n, c, s, layout, x.data(), y.data());
    a.gamma = gamma.data();
    a.beta = beta.data();
    a.running_mean = const_cast<float*>(rmean.data());
    a.running_var = rvar.data();
    a.activation = act;
    ASSERT_EQ(simdnorm_batch_norm_inference(raw(), &a), SIMDNORM_OK)
        << simdnorm_last_error();
    std::vector<double> ref;
    ReferenceBatchNorm(x.data(), layout, n, c, s, gamma.data(), beta.data(),
                       rmean.data(), rvar.data(), a.eps, act, &ref, nullptr,
                       nullptr, nullptr);
    EXPECT_TRUE(AllClose(y.data(), elems, ref, 1, elems, 2e-6, 2e-6));
    EXPECT_TRUE(y.GuardIntact());
  }

  void CheckTraining(int64_t n, int64_t c, int64_t s, simdnorm_layout layout,
                     simdnorm_activation act, double offset = 0.0) {
    SCOPED_TRACE(::testing::Message() << "N=" << n << " C=" << c << " S=" << s
                                      << " layout=" << layout
                                      << " act=" << ActivationName(act));
    const int64_t elems = n * c * s;
    const std::vector<float> x = RandomNormal(elems, offset, 2.0, 41);
    const std::vector<float> gamma = RandomNormal(c, 1.0, 0.5, 42);
    const std::vector<float> beta = RandomNormal(c, 0.0, 0.5, 43);
    std::vector<float> rmean = RandomNormal(c, 0.0, 1.0, 44);
    std::vector<float> rvar(c, 1.5f);
    const std::vector<float> rmean0 = rmean, rvar0 = rvar;
    std::vector<float> bmean(c), brstd(c);
    Buffer y(elems);
    auto a = MakeArgs(n, c, s, layout, x.data(), y.data());
    a.gamma = gamma.data();
    a.beta = beta.data();
    a.running_mean = rmean.data();
    a.running_var = rvar.data();
    a.batch_mean = bmean.data();
    a.batch_rstd = brstd.data();
    a.update_running_stats = 1;
    a.momentum = 0.25f;
    a.activation = act;
    ASSERT_EQ(simdnorm_batch_norm_training(raw(), &a), SIMDNORM_OK)
        << simdnorm_last_error();
    std::vector<double> ref, mean, rstd, var_unbiased;
    ReferenceBatchNorm(x.data(), layout, n, c, s, gamma.data(), beta.data(),
                       nullptr, nullptr, a.eps, act, &ref, &mean, &rstd,
                       &var_unbiased);
    ErrorStats stats;
    EXPECT_TRUE(AllClose(y.data(), elems, ref, 1, elems, 3e-5, 3e-5, &stats));
    if (offset != 0.0) {
      std::printf("[ errors   ] BatchNorm offset %g (%s, %s): max abs %.3g\n",
                  offset, GetParam().c_str(), layout ? "NHWC" : "NCHW",
                  stats.max_abs);
    }
    EXPECT_TRUE(AllClose(bmean.data(), c, mean, 1, c,
                         1e-6 * (1 + std::fabs(offset)), 1e-6));
    EXPECT_TRUE(AllClose(brstd.data(), c, rstd, 1, c, 1e-6, 1e-5));
    std::vector<double> want_rm(c), want_rv(c);
    for (int64_t i = 0; i < c; ++i) {
      want_rm[i] = 0.75 * rmean0[i] + 0.25 * mean[i];
      want_rv[i] = 0.75 * rvar0[i] + 0.25 * var_unbiased[i];
    }
    EXPECT_TRUE(AllClose(rmean.data(), c, want_rm, 1, c,
                         1e-6 * (1 + std::fabs(offset)), 1e-6));
    EXPECT_TRUE(AllClose(rvar.data(), c, want_rv, 1, c, 1e-6, 1e-5));
  }

  // Every output of batch statistics (running statistics updated with
  // momentum 0.25), to compare two calls bit for bit.
  struct TrainingOutputs {
    std::vector<float> y, mean, rstd, running_mean, running_var;
  };
  TrainingOutputs Train(int64_t n, int64_t c, int64_t s,
                        simdnorm_layout layout, const std::vector<float>& x,
                        const std::vector<float>* gamma,
                        const std::vector<float>* beta) {
    TrainingOutputs o{std::vector<float>(x.size()), std::vector<float>(c),
                      std::vector<float>(c), RandomNormal(c, 0.0, 1.0, 64),
                      std::vector<float>(c, 1.5f)};
    auto a = MakeArgs(n, c, s, layout, x.data(), o.y.data());
    a.gamma = gamma ? gamma->data() : nullptr;
    a.beta = beta ? beta->data() : nullptr;
    a.running_mean = o.running_mean.data();
    a.running_var = o.running_var.data();
    a.batch_mean = o.mean.data();
    a.batch_rstd = o.rstd.data();
    a.update_running_stats = 1;
    a.momentum = 0.25f;
    EXPECT_EQ(simdnorm_batch_norm_training(raw(), &a), SIMDNORM_OK)
        << simdnorm_last_error();
    return o;
  }
  // Channel ch of two calls: the same bits in every output.
  static void ExpectSameChannel(const TrainingOutputs& got,
                                const TrainingOutputs& want,
                                simdnorm_layout layout, int64_t n, int64_t c,
                                int64_t s, int64_t ch) {
    const auto same = [](float a, float b) {
      return std::memcmp(&a, &b, sizeof(a)) == 0;
    };
    EXPECT_TRUE(same(got.mean[ch], want.mean[ch])) << ch;
    EXPECT_TRUE(same(got.rstd[ch], want.rstd[ch])) << ch;
    EXPECT_TRUE(same(got.running_mean[ch], want.running_mean[ch])) << ch;
    EXPECT_TRUE(same(got.running_var[ch], want.running_var[ch])) << ch;
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < s; ++j) {
        const int64_t at = TensorIndex(layout, c, s, i, ch, j);
        EXPECT_TRUE(same(got.y[at], want.y[at]))
            << "channel " << ch << " sample " << i << " at " << j;
      }
    }
  }
};

TEST_P(BatchNormTest, InferenceShapes) {
  const int64_t lanes1 = LanesOfTarget(GetParam()) + 1;
  for (simdnorm_layout layout : kLayouts) {
    for (int64_t c : {3, 33, 64}) {
      for (int64_t s : {int64_t{1}, int64_t{7}, lanes1}) {
        for (int64_t n : {1, 3}) CheckInference(n, c, s, layout, SIMDNORM_ACT_NONE);
      }
    }
    CheckInference(2, 3, 4096, layout, SIMDNORM_ACT_NONE);
    for (simdnorm_activation act : kActivations) {
      CheckInference(3, 33, 7, layout, act);
      CheckInference(5, 17, 1, layout, act);
    }
  }
}

// The seed example: nn.BatchNorm1d(64) on a (32, 64) input, eval mode and
// batch statistics.
TEST_P(BatchNormTest, SeedExampleBatchNorm1d) {
  CheckInference(32, 64, 1, SIMDNORM_NCHW, SIMDNORM_ACT_NONE);
  CheckTraining(32, 64, 1, SIMDNORM_NCHW, SIMDNORM_ACT_NONE);
}

TEST_P(BatchNormTest, TrainingShapes) {
  const int64_t lanes1 = LanesOfTarget(GetParam()) + 1;
  for (simdnorm_layout layout : kLayouts) {
    for (int64_t c : {3, 33}) {
      for (int64_t s : {int64_t{1}, int64_t{7}, lanes1}) {
        for (int64_t n : {1, 3}) {
          if (n * s == 1) continue;
          CheckTraining(n, c, s, layout, SIMDNORM_ACT_NONE);
        }
      }
    }
    CheckTraining(3, 5, 4096, layout, SIMDNORM_ACT_NONE);
    CheckTraining(2, 4, 300, layout, SIMDNORM_ACT_NONE, 1e4);
    for (simdnorm_activation act : kActivations) {
      CheckTraining(3, 33, 7, layout, act);
    }
  }
}

// Hand-computed: x = {1, 2, 3, 4} in one channel: mean 2.5, biased var
// 1.25, unbiased 5/3. momentum 0.1 from (0, 1): running (0.25, 1.0666667).
TEST_P(BatchNormTest, RunningStatsByHand) {
  for (simdnorm_layout layout : kLayouts) {
    const float x[4] = {1, 2, 3, 4};
    float y[4], rm = 0.0f, rv = 1.0f, bm = 0, br = 0;
    auto a = MakeArgs(2, 1, 2, layout, x, y);
    a.running_mean = &rm;
    a.running_var = &rv;
    a.batch_mean = &bm;
    a.batch_rstd = &br;
    a.update_running_stats = 1;
    a.momentum = 0.1f;
    a.eps = 0.0f;
    ASSERT_EQ(simdnorm_batch_norm_training(raw(), &a), SIMDNORM_OK);
    EXPECT_FLOAT_EQ(rm, 0.25f);
    EXPECT_FLOAT_EQ(rv, 0.9f + 0.1f * 5.0f / 3.0f);
    EXPECT_FLOAT_EQ(bm, 2.5f);
    EXPECT_FLOAT_EQ(br, static_cast<float>(1.0 / std::sqrt(1.25)));
    EXPECT_FLOAT_EQ(y[0], static_cast<float>(-1.5 / std::sqrt(1.25)));
    EXPECT_FLOAT_EQ(y[3], static_cast<float>(1.5 / std::sqrt(1.25)));
    // Without the update flag the running statistics are left alone.
    a.update_running_stats = 0;
    ASSERT_EQ(simdnorm_batch_norm_training(raw(), &a), SIMDNORM_OK);
    EXPECT_FLOAT_EQ(rm, 0.25f);
  }
}

// The same data under ONNX's convention: momentum weighs the running
// value and the variance is biased. momentum 0.9 from (0, 1):
// running (0.1 * 2.5, 0.9 + 0.1 * 1.25). y does not change.
TEST_P(BatchNormTest, OnnxRunningStatsByHand) {
  for (simdnorm_layout layout : kLayouts) {
    const float x[4] = {1, 2, 3, 4};
    float y[4], rm = 0.0f, rv = 1.0f;
    auto a = MakeArgs(2, 1, 2, layout, x, y);
    a.running_mean = &rm;
    a.running_var = &rv;
    a.update_running_stats = 1;
    a.running_stats = SIMDNORM_RUNNING_STATS_ONNX;
    a.momentum = 0.9f;
    a.eps = 0.0f;
    ASSERT_EQ(simdnorm_batch_norm_training(raw(), &a), SIMDNORM_OK);
    EXPECT_FLOAT_EQ(rm, static_cast<float>(0.1 * 2.5));
    EXPECT_FLOAT_EQ(rv, static_cast<float>(0.9 + 0.1 * 1.25));
    EXPECT_FLOAT_EQ(y[0], static_cast<float>(-1.5 / std::sqrt(1.25)));
    // A caller built before the field existed gets PyTorch's update.
    rm = 0.0f;
    rv = 1.0f;
    a.momentum = 0.1f;
    a.struct_size = offsetof(simdnorm_batch_norm_args, running_stats);
    ASSERT_EQ(simdnorm_batch_norm_training(raw(), &a), SIMDNORM_OK)
        << simdnorm_last_error();
    EXPECT_FLOAT_EQ(rm, 0.25f);
    EXPECT_FLOAT_EQ(rv, 0.9f + 0.1f * 5.0f / 3.0f);
  }
}

// Small blocks (one tile of rows of channels) finish their statistics in
// vectors; data that may need a rescale (here NaN in one channel) takes the
// general per-channel path for the whole call. Every other channel must get
// the same bits either way: y, batch statistics and running statistics.
TEST_P(BatchNormTest, VectorFinishMatchesGeneralPath) {
  const int64_t lanes = LanesOfTarget(GetParam());
  for (simdnorm_layout layout : kLayouts) {
    for (int64_t s : {int64_t{1}, int64_t{3}}) {
      for (int64_t c : {int64_t{1}, lanes - 1, lanes + 1, int64_t{64},
                        int64_t{100}}) {
        if (c < 2 || (s > 1 && layout == SIMDNORM_NCHW)) continue;
        for (bool affine : {true, false}) {
          SCOPED_TRACE(::testing::Message()
                       << "layout=" << layout << " C=" << c << " S=" << s
                       << " affine=" << affine);
          const int64_t n = 5, elems = n * c * s;
          const std::vector<float> clean = RandomNormal(elems, 3.0, 2.0, 61);
          const std::vector<float> gamma = RandomNormal(c, 1.0, 0.5, 62);
          const std::vector<float> beta = RandomNormal(c, 0.0, 0.5, 63);
          const auto run = [&](const std::vector<float>& x) {
            return Train(n, c, s, layout, x, affine ? &gamma : nullptr,
                         affine ? &beta : nullptr);
          };
          const TrainingOutputs vector_finish = run(clean);
          std::vector<float> poisoned = clean;
          const int64_t bad = c / 2;
          poisoned[TensorIndex(layout, c, s, n - 1, bad, 0)] =
              std::numeric_limits<float>::quiet_NaN();
          const TrainingOutputs general = run(poisoned);
          EXPECT_TRUE(std::isnan(general.mean[bad]));
          for (int64_t ch = 0; ch < c; ++ch) {
            if (ch != bad) {
              ExpectSameChannel(vector_finish, general, layout, n, c, s, ch);
            }
          }
        }
      }
    }
  }
}

// A huge gamma on constant channels makes rstd * gamma overflow the float
// range: the vector finish (clean data) refits it as the general path's
// scalar code does (NaN in another channel), also on targets whose vector
// demotion saturates at FLT_MAX (EMU128), and both give the same bits.
TEST_P(BatchNormTest, VectorFinishRoundsPastFloatRangeAsGeneralPath) {
  const int64_t n = 4;
  const int64_t c = std::max<int64_t>(2, LanesOfTarget(GetParam()) + 1);
  const std::vector<float> clean(n * c, 5.0f);  // [N, C]
  const std::vector<float> gamma(c, 3e38f), beta(c, 2.0f);
  const TrainingOutputs vector_finish =
      Train(n, c, 1, SIMDNORM_NCHW, clean, &gamma, &beta);
  std::vector<float> poisoned = clean;
  poisoned[c - 1] = std::numeric_limits<float>::quiet_NaN();
  const TrainingOutputs general =
      Train(n, c, 1, SIMDNORM_NCHW, poisoned, &gamma, &beta);
  for (int64_t ch = 0; ch + 1 < c; ++ch) {
    ExpectSameChannel(vector_finish, general, SIMDNORM_NCHW, n, c, 1, ch);
  }
}

TEST_P(BatchNormTest, AdversarialChannels) {
  for (simdnorm_layout layout : kLayouts) {
    SCOPED_TRACE(layout);
    const int64_t N = 3, C = 5, S = 40;
    std::vector<float> x = RandomNormal(N * C * S, 0.0, 1.0, 51);
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t s = 0; s < S; ++s) {
        x[TensorIndex(layout, C, S, n, 0, s)] = -777.25f;  // constant
        x[TensorIndex(layout, C, S, n, 1, s)] *= 1e30f;    // huge
        x[TensorIndex(layout, C, S, n, 2, s)] = ((n + s) % 2 ? 3e38f : -3e38f);
      }
    }
    x[TensorIndex(layout, C, S, 1, 3, 7)] = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> beta = RandomNormal(C, 0.0, 1.0, 52);
    std::vector<float> y(N * C * S);
    auto a = MakeArgs(N, C, S, layout, x.data(), y.data());
    a.beta = beta.data();
    ASSERT_EQ(simdnorm_batch_norm_training(raw(), &a), SIMDNORM_OK);
    std::vector<double> ref;
    ReferenceBatchNorm(x.data(), layout, N, C, S, nullptr, beta.data(),
                       nullptr, nullptr, a.eps, SIMDNORM_ACT_NONE, &ref,
                       nullptr, nullptr, nullptr);
    double max_err = 0.0;
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t c = 0; c < C; ++c) {
        for (int64_t s = 0; s < S; ++s) {
          const int64_t i = TensorIndex(layout, C, S, n, c, s);
          if (c == 0) {
            ASSERT_EQ(y[i], beta[0]);
          } else if (c == 3) {
            ASSERT_TRUE(std::isnan(y[i]));
          } else {
            const double err = std::fabs(y[i] - ref[i]);
            max_err = std::max(max_err, err);
            ASSERT_LE(err, 2e-5 * (1 + std::fabs(ref[i]))) << c;
          }
        }
      }
    }
    std::printf("[ errors   ] BatchNorm adversarial (%s, %s): max abs %.3g\n",
                GetParam().c_str(), layout ? "NHWC" : "NCHW", max_err);
  }
}

TEST_P(BatchNormTest, MisalignedAndInPlace) {
  for (simdnorm_layout layout : kLayouts) {
    const int64_t N = 2, C = 7, S = 23, elems = N * C * S;
    const std::vector<float> values = RandomNormal(elems, 0.5, 1.0, 61);
    Buffer x(elems, 3), y(elems, 1);
    x.Fill(values);
    auto a = MakeArgs(N, C, S, layout, x.data(), y.data());
    a.activation = SIMDNORM_ACT_GELU_ERF;
    ASSERT_EQ(simdnorm_batch_norm_training(raw(), &a), SIMDNORM_OK);
    std::vector<double> ref;
    ReferenceBatchNorm(values.data(), layout, N, C, S, nullptr, nullptr,
                       nullptr, nullptr, a.eps, a.activation, &ref, nullptr,
                       nullptr, nullptr);
    EXPECT_TRUE(AllClose(y.data(), elems, ref, 1, elems, 3e-5, 3e-5));
    a.y = x.data();
    ASSERT_EQ(simdnorm_batch_norm_training(raw(), &a), SIMDNORM_OK);
    EXPECT_EQ(std::memcmp(x.data(), y.data(), elems * sizeof(float)), 0);
    EXPECT_TRUE(x.GuardIntact());
    EXPECT_TRUE(y.GuardIntact());
  }
}

TEST_P(BatchNormTest, ReproducibleAcrossThreads) {
  struct Case {
    int64_t n, c, s;
  } cases[] = {{2, 2, 70000}, {1, 3, 100000}, {64, 48, 16}, {4, 32, 1024}};
  for (simdnorm_layout layout : kLayouts) {
    for (const Case& k : cases) {
      const int64_t elems = k.n * k.c * k.s;
      const std::vector<float> x = RandomNormal(elems, -2.0, 3.0, 71);
      std::vector<std::vector<float>> outs;
      for (int threads : {1, 2, 8}) {
        simdnorm::Context ctx = ctx_threads(threads);
        std::vector<float> y(elems), rm(k.c, 0.0f), rv(k.c, 1.0f), bm(k.c);
        auto a = MakeArgs(k.n, k.c, k.s, layout, x.data(), y.data());
        a.running_mean = rm.data();
        a.running_var = rv.data();
        a.batch_mean = bm.data();
        a.update_running_stats = 1;
        ASSERT_EQ(simdnorm_batch_norm_training(ctx.get(), &a), SIMDNORM_OK);
        y.insert(y.end(), rm.begin(), rm.end());
        y.insert(y.end(), rv.begin(), rv.end());
        y.insert(y.end(), bm.begin(), bm.end());
        outs.push_back(y);
      }
      for (size_t i = 1; i < outs.size(); ++i) {
        EXPECT_EQ(std::memcmp(outs[0].data(), outs[i].data(),
                              outs[0].size() * sizeof(float)),
                  0)
            << "layout " << layout << " C=" << k.c << " run " << i;
      }
    }
  }
}

// Inference slices over any partition of the units (contiguous runs of
// the tensor) give the bits of the full call, for dense and batch-strided
// tensors; a unit past the end is an error that writes nothing.
TEST_P(BatchNormTest, InferenceSlicesMatchTheFullCall) {
  struct Case {
    int64_t n, c, s;
  } cases[] = {{3, 5, 7}, {2, 4, 1}, {1, 16, 300}, {4, 3, 2000}, {2, 33, 19}};
  for (simdnorm_layout layout : kLayouts) {
    for (const Case& k : cases) {
      for (const int64_t gap : {0, 5}) {
        SCOPED_TRACE(::testing::Message() << "N=" << k.n << " C=" << k.c
                                          << " S=" << k.s << " layout="
                                          << layout << " gap=" << gap);
        const int64_t sample = k.c * k.s, stride = sample + gap;
        const int64_t extent = (k.n - 1) * stride + sample;
        const std::vector<float> x = RandomNormal(extent, 1.0, 2.0, 81);
        const std::vector<float> gamma = RandomNormal(k.c, 1.0, 0.5, 82);
        std::vector<float> rmean = RandomNormal(k.c, 1.0, 1.0, 83);
        std::vector<float> rvar = RandomNormal(k.c, 4.0, 1.0, 84);
        for (float& v : rvar) v = std::fabs(v);
        std::vector<float> full(extent, -3.0f);
        auto a = MakeArgs(k.n, k.c, k.s, layout, x.data(), full.data());
        a.gamma = gamma.data();
        a.running_mean = rmean.data();
        a.running_var = rvar.data();
        a.activation = SIMDNORM_ACT_SILU;
        a.x_batch_stride = a.y_batch_stride = gap ? stride : 0;
        ASSERT_EQ(simdnorm_batch_norm_inference(raw(), &a), SIMDNORM_OK)
            << simdnorm_last_error();
        const int64_t units =
            layout == SIMDNORM_NCHW && k.s > 1 ? k.n * k.c : k.n * k.s;
        for (const int64_t step : {int64_t{1}, int64_t{3}, units}) {
          std::vector<float> sliced(extent, -3.0f);
          a.y = sliced.data();
          // Last slice first: slices are independent.
          for (int64_t b = (units - 1) / step * step; b >= 0; b -= step) {
            ASSERT_EQ(simdnorm_batch_norm_inference_slice(
                          raw(), &a, b, std::min(units, b + step)),
                      SIMDNORM_OK)
                << simdnorm_last_error();
          }
          EXPECT_EQ(std::memcmp(sliced.data(), full.data(),
                                extent * sizeof(float)),
                    0)
              << "step " << step;
        }
        // Past the last unit.
        std::vector<float> untouched(extent, -3.0f);
        a.y = untouched.data();
        EXPECT_TRUE(FailedWith(
            simdnorm_batch_norm_inference_slice(raw(), &a, 0, units + 1),
            SIMDNORM_INVALID_ARGUMENT,
            "simdnorm_batch_norm_inference_slice: unit range [0, " +
                std::to_string(units + 1) + ") is not within [0, " +
                std::to_string(units) + "]"));
        EXPECT_EQ(simdnorm_batch_norm_inference_slice(raw(), &a, 2, 1),
                  SIMDNORM_INVALID_ARGUMENT);
        EXPECT_EQ(untouched, std::vector<float>(extent, -3.0f));
      }
    }
  }
}

SIMDNORM_INSTANTIATE_FOR_TARGETS(BatchNormTest);

// ------------------------------------------------------------- bad input

struct BadCase {
  const char* what;
  bool training;
  void (*mutate)(simdnorm::BatchNormArgs&);
  const char* message;
};

TEST(BatchNormBadInput, EachErrorHasStatusMessageAndWritesNothing) {
  static float x[2 * 4 * 3], y[2 * 4 * 3], rm[4], rv[4], bm[4], br[4];
  const BadCase cases[] = {
      {"momentum NaN", true, [](auto& a) { a.momentum = std::nanf(""); },
       "momentum (nan) must be in [0, 1]"},
      {"momentum > 1", true, [](auto& a) { a.momentum = 1.5f; },
       "momentum (1.5) must be in [0, 1]"},
      {"momentum < 0", true, [](auto& a) { a.momentum = -0.1f; },
       "must be in [0, 1]"},
      {"one value per channel", true,
       [](auto& a) {
         a.batch = 1;
         a.spatial = 1;
       },
       "more than 1 value per channel"},
      {"unknown running_stats convention", true,
       [](auto& a) { a.running_stats = static_cast<simdnorm_running_stats>(2); },
       "unknown running_stats convention 2"},
      {"param_dtype", true,
       [](auto& a) { a.param_dtype = SIMDNORM_BF16; },
       "param_dtype (1) must be SIMDNORM_F32 or dtype (0)"},
      {"update without running stats", true,
       [](auto& a) { a.running_var = nullptr; }, "running_var is null"},
      {"inference without running mean", false,
       [](auto& a) { a.running_mean = nullptr; },
       "inference needs the running statistics (running_mean is null)"},
      {"inference with batch outputs", false, [](auto&) {},
       "must be null in inference"},
      {"eps NaN", false,
       [](auto& a) {
         a.eps = std::nanf("");
         a.batch_mean = a.batch_rstd = nullptr;
       },
       "eps"},
      {"negative spatial", true, [](auto& a) { a.spatial = -3; },
       "spatial (-3)"},
      {"zero channels", true, [](auto& a) { a.channels = 0; },
       "channels (0) must be > 0"},
      {"negative batch", true, [](auto& a) { a.batch = -2; }, "batch (-2)"},
      {"param count", true, [](auto& a) { a.param_count = 3; },
       "3 elements but channels is 4"},
      {"running stats alias", true, [](auto& a) { a.running_var = rm; },
       "running_mean and running_var overlap"},
      {"batch mean on y", true, [](auto& a) { a.batch_mean = y + 4; },
       "outputs y and batch_mean overlap"},
      {"running mean on x", true, [](auto& a) { a.running_mean = x + 1; },
       "input x and output running_mean overlap"},
      {"partial overlap", true, [](auto& a) { a.y = x + 2; },
       "overlap partially"},
      {"bad activation", true,
       [](auto& a) { a.activation = static_cast<simdnorm_activation>(-1); },
       "unknown activation"},
      {"x batch stride below a sample", true,
       [](auto& a) { a.x_batch_stride = 11; },
       "x_batch_stride (11) must be >= channels * spatial (12)"},
      {"y batch stride below a sample", false,
       [](auto& a) {
         a.y_batch_stride = 5;
         a.batch_mean = a.batch_rstd = nullptr;
       },
       "y_batch_stride (5) must be >= channels * spatial (12)"},
      {"huge batch stride", true, [](auto& a) { a.y_batch_stride = INT64_MAX; },
       "y_batch_stride (9223372036854775807) with 2 rows spans more than "
       "2^58 elements"},
      {"in place with other strides", true,
       [](auto& a) {
         a.y = x;
         a.x_batch_stride = 13;
       },
       "input x and output y overlap partially"},
  };
  for (const BadCase& bad : cases) {
    SCOPED_TRACE(bad.what);
    for (int i = 0; i < 24; ++i) x[i] = static_cast<float>(i % 5);
    for (float* buf : {y, rm, rv, bm, br}) {
      std::fill(buf, buf + (buf == y ? 24 : 4), -7.0f);
    }
    simdnorm::BatchNormArgs a;
    a.batch = 2;
    a.channels = 4;
    a.spatial = 3;
    a.x = x;
    a.y = y;
    a.running_mean = rm;
    a.running_var = rv;
    a.batch_mean = bm;
    a.batch_rstd = br;
    a.update_running_stats = 1;
    bad.mutate(a);
    const simdnorm_status status =
        bad.training ? simdnorm_batch_norm_training(nullptr, &a)
                     : simdnorm_batch_norm_inference(nullptr, &a);
    EXPECT_EQ(status, SIMDNORM_INVALID_ARGUMENT);
    EXPECT_NE(std::string(simdnorm_last_error()).find(bad.message),
              std::string::npos)
        << simdnorm_last_error();
    for (float v : y) ASSERT_EQ(v, -7.0f) << "y written on error";
    for (int i = 0; i < 4; ++i) {
      ASSERT_EQ(rm[i], -7.0f);
      ASSERT_EQ(rv[i], -7.0f);
      ASSERT_EQ(bm[i], -7.0f);
      ASSERT_EQ(br[i], -7.0f);
    }
  }
  simdnorm::BatchNormArgs a;
  a.batch = 1;
  a.channels = 2;
  EXPECT_THROW(simdnorm::BatchNormTraining(a), simdnorm::Error);
}

}  // namespace
}  // namespace simdnorm_test
