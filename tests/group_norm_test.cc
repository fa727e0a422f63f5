// GroupNorm and InstanceNorm on every ISA target against float64
// references: layouts, group counts, odd sizes, activations, adversarial
// values, aliasing, thread-count reproducibility, slices and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
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

struct Shape {
  int64_t n, c, s, g;
};

simdnorm::GroupNormArgs MakeArgs(const Shape& sh, simdnorm_layout layout,
                                 const float* x, float* y) {
  auto a = ChannelArgs<simdnorm::GroupNormArgs>(sh.n, sh.c, sh.s, layout, x,
                                                y);
  a.groups = sh.g;
  return a;
}

class GroupNormTest : public TargetTest {
 protected:
  // Runs GroupNorm on random data with gamma/beta and checks y, mean, rstd.
  void CheckShape(const Shape& sh, simdnorm_layout layout,
                  simdnorm_activation act, double offset = 0.0) {
    SCOPED_TRACE(::testing::Message()
                 << "N=" << sh.n << " C=" << sh.c << " S=" << sh.s
                 << " G=" << sh.g << " layout=" << layout
                 << " act=" << ActivationName(act) << " offset=" << offset);
    const int64_t elems = sh.n * sh.c * sh.s;
    const std::vector<float> x =
        RandomNormal(elems, offset, 1.0, 11 + static_cast<uint32_t>(elems));
    const std::vector<float> gamma = RandomNormal(sh.c, 1.0, 0.5, 3);
    const std::vector<float> beta = RandomNormal(sh.c, 0.0, 0.5, 4);
    Buffer y(elems);
    std::vector<float> mean(sh.n * sh.g), rstd(sh.n * sh.g);
    auto a = MakeArgs(sh, layout, x.data(), y.data());
    a.gamma = gamma.data();
    a.beta = beta.data();
    a.mean = mean.data();
    a.rstd = rstd.data();
    a.activation = act;
    ASSERT_EQ(simdnorm_group_norm(raw(), &a), SIMDNORM_OK)
        << simdnorm_last_error();
    std::vector<double> ref, ref_mean, ref_rstd;
    ReferenceGroupNorm(x.data(), layout, sh.n, sh.c, sh.s, sh.g, gamma.data(),
                       beta.data(), a.eps, act, &ref, &ref_mean, &ref_rstd);
    ErrorStats stats;
    EXPECT_TRUE(AllClose(y.data(), elems, ref, 1, elems, 3e-5, 3e-5, &stats));
    if (offset != 0.0) {
      std::printf("[ errors   ] GroupNorm offset %g (%s, %s, %s): max abs %.3g\n",
                  offset, GetParam().c_str(), layout ? "NHWC" : "NCHW",
                  ActivationName(act), stats.max_abs);
    }
    EXPECT_TRUE(AllClose(mean.data(), sh.n * sh.g, ref_mean, 1, sh.n * sh.g,
                         1e-6 * (1.0 + std::fabs(offset)), 1e-6));
    EXPECT_TRUE(AllClose(rstd.data(), sh.n * sh.g, ref_rstd, 1, sh.n * sh.g,
                         1e-6, 1e-5));
    EXPECT_TRUE(y.GuardIntact());
  }
};

TEST_P(GroupNormTest, ShapesAndLayouts) {
  const int64_t lanes1 = LanesOfTarget(GetParam()) + 1;
  for (simdnorm_layout layout : kLayouts) {
    for (int64_t c : {3, 33, 64}) {
      for (int64_t s : {int64_t{1}, int64_t{7}, lanes1}) {
        for (int64_t n : {1, 3}) {
          // G = 1, C / k, C.
          for (int64_t g : {int64_t{1}, c == 64 ? int64_t{16} : int64_t{3}, c}) {
            if (c % g != 0) continue;
            CheckShape({n, c, s, g}, layout, SIMDNORM_ACT_NONE);
          }
        }
      }
    }
    CheckShape({1, 3, 4096, 1}, layout, SIMDNORM_ACT_NONE);
    CheckShape({3, 8, 4096, 4}, layout, SIMDNORM_ACT_NONE);
    CheckShape({2, 33, 4096, 33}, layout, SIMDNORM_ACT_NONE);
  }
}

TEST_P(GroupNormTest, EveryActivation) {
  for (simdnorm_layout layout : kLayouts) {
    for (simdnorm_activation act : kActivations) {
      CheckShape({3, 33, 7, 11}, layout, act);
      CheckShape({1, 16, 300, 4}, layout, act);
      CheckShape({2, 5, 1, 5}, layout, act);
    }
  }
}

TEST_P(GroupNormTest, LargeOffsetKeepsAccuracy) {
  for (simdnorm_layout layout : kLayouts) {
    CheckShape({2, 32, 65, 8}, layout, SIMDNORM_ACT_NONE, 1e4);
    CheckShape({1, 6, 1000, 2}, layout, SIMDNORM_ACT_SILU, 1e4);
  }
}

// The seed example: nn.GroupNorm(4, 64) on a (32, 64, 32, 32) tensor.
TEST_P(GroupNormTest, SeedExample) {
  const Shape sh{32, 64, 32 * 32, 4};
  CheckShape(sh, SIMDNORM_NCHW, SIMDNORM_ACT_NONE);
}

TEST_P(GroupNormTest, InstanceNorm) {
  for (simdnorm_layout layout : kLayouts) {
    for (bool affine : {false, true}) {
      const Shape sh{3, 5, 37, 5};
      const int64_t elems = sh.n * sh.c * sh.s;
      const std::vector<float> x = RandomNormal(elems, 2.0, 3.0, 5);
      const std::vector<float> gamma = RandomNormal(sh.c, 1.0, 0.5, 6);
      const std::vector<float> beta = RandomNormal(sh.c, 0.0, 0.5, 7);
      Buffer y(elems);
      std::vector<float> mean(sh.n * sh.c), rstd(sh.n * sh.c);
      auto a = MakeArgs(sh, layout, x.data(), y.data());
      a.groups = 0;  // ignored by the InstanceNorm entry point
      a.gamma = affine ? gamma.data() : nullptr;
      a.beta = affine ? beta.data() : nullptr;
      a.mean = mean.data();
      a.rstd = rstd.data();
      ASSERT_EQ(simdnorm_instance_norm(raw(), &a), SIMDNORM_OK)
          << simdnorm_last_error();
      std::vector<double> ref, ref_mean, ref_rstd;
      ReferenceGroupNorm(x.data(), layout, sh.n, sh.c, sh.s, sh.c, a.gamma ? gamma.data() : nullptr,
                         a.beta ? beta.data() : nullptr, a.eps,
                         SIMDNORM_ACT_NONE, &ref, &ref_mean, &ref_rstd);
      EXPECT_TRUE(AllClose(y.data(), elems, ref, 1, elems, 3e-5, 3e-5));
      EXPECT_TRUE(AllClose(mean.data(), 15, ref_mean, 1, 15, 1e-5, 1e-6));
      EXPECT_TRUE(AllClose(rstd.data(), 15, ref_rstd, 1, 15, 1e-6, 1e-5));
    }
  }
}

// InstanceNorm's own init: groups unused, statistics [N, C] (checked with
// buffers of exactly that size).
TEST_P(GroupNormTest, InstanceNormArgsInit) {
  simdnorm_instance_norm_args a;
  std::memset(&a, 0x5a, sizeof(a));
  simdnorm_instance_norm_args_init(&a);
  EXPECT_EQ(a.struct_size, sizeof(simdnorm_instance_norm_args));
  EXPECT_EQ(a.groups, 0);
  EXPECT_EQ(a.eps, SIMDNORM_DEFAULT_EPS);
  EXPECT_EQ(a.spatial, 1);
  EXPECT_EQ(a.x_batch_stride, 0);
  EXPECT_EQ(a.mean, nullptr);
  for (simdnorm_layout layout : kLayouts) {
    const int64_t n = 2, c = 3, s = 50;
    const std::vector<float> x = RandomNormal(n * c * s, -1.0, 2.0, 17);
    Buffer y(n * c * s), mean(n * c), rstd(n * c);
    a.layout = layout;
    a.batch = n;
    a.channels = c;
    a.spatial = s;
    a.x = x.data();
    a.y = y.data();
    a.mean = mean.data();
    a.rstd = rstd.data();
    ASSERT_EQ(simdnorm_instance_norm(raw(), &a), SIMDNORM_OK)
        << simdnorm_last_error();
    std::vector<double> ref, ref_mean, ref_rstd;
    ReferenceGroupNorm(x.data(), layout, n, c, s, c, nullptr, nullptr, a.eps,
                       SIMDNORM_ACT_NONE, &ref, &ref_mean, &ref_rstd);
    EXPECT_TRUE(AllClose(y.data(), n * c * s, ref, 1, n * c * s, 3e-5, 3e-5));
    EXPECT_TRUE(AllClose(mean.data(), n * c, ref_mean, 1, n * c, 1e-5, 1e-6));
    EXPECT_TRUE(AllClose(rstd.data(), n * c, ref_rstd, 1, n * c, 1e-6, 1e-5));
    EXPECT_TRUE(y.GuardIntact() && mean.GuardIntact() && rstd.GuardIntact());
  }
}

// Constant groups give exactly beta; huge, tiny and non-finite values stay
// in their group.
TEST_P(GroupNormTest, AdversarialValues) {
  for (simdnorm_layout layout : kLayouts) {
    SCOPED_TRACE(layout);
    const Shape sh{2, 8, 50, 4};  // groups of 2 channels x 50
    const int64_t elems = sh.n * sh.c * sh.s;
    std::vector<float> x = RandomNormal(elems, 0.0, 1.0, 9);
    const std::vector<float> beta = RandomNormal(sh.c, 0.0, 1.0, 10);
    const std::vector<float> gamma = RandomNormal(sh.c, 1.0, 0.3, 12);
    const auto at = [&](int64_t n, int64_t c, int64_t s) -> float& {
      return x[TensorIndex(layout, sh.c, sh.s, n, c, s)];
    };
    for (int64_t c = 0; c < 2; ++c) {
      for (int64_t s = 0; s < sh.s; ++s) {
        at(0, c, s) = 12345.678f;               // group (0, 0): constant
        at(0, c + 2, s) *= 1e30f;               // group (0, 1): huge
        at(0, c + 4, s) = at(0, c + 4, s) * 1e-21f;  // group (0, 2): tiny
        at(1, c, s) = 3e38f * (s % 2 ? 1.0f : -1.0f);  // near FLT_MAX
      }
    }
    at(0, 7, 13) = std::numeric_limits<float>::quiet_NaN();  // group (0, 3)
    at(1, 5, 20) = std::numeric_limits<float>::infinity();   // group (1, 2)
    Buffer y(elems);
    auto a = MakeArgs(sh, layout, x.data(), y.data());
    a.gamma = gamma.data();
    a.beta = beta.data();
    // Smallest eps: the tiny group's variance (1e-42, squares subnormal in
    // fp32) is not hidden, and the constant group still gives beta.
    a.eps = std::numeric_limits<float>::denorm_min();
    ASSERT_EQ(simdnorm_group_norm(raw(), &a), SIMDNORM_OK);
    std::vector<double> ref;
    ReferenceGroupNorm(x.data(), layout, sh.n, sh.c, sh.s, sh.g, gamma.data(),
                       beta.data(), a.eps, SIMDNORM_ACT_NONE, &ref, nullptr,
                       nullptr);
    ErrorStats stats;
    for (int64_t n = 0; n < sh.n; ++n) {
      for (int64_t c = 0; c < sh.c; ++c) {
        const int64_t g = c / 2;
        for (int64_t s = 0; s < sh.s; ++s) {
          const int64_t i = TensorIndex(layout, sh.c, sh.s, n, c, s);
          const float got = y.data()[i];
          if (n == 0 && g == 0) {
            ASSERT_EQ(got, beta[c]) << "constant group must give beta";
          } else if ((n == 0 && g == 3) || (n == 1 && g == 2)) {
            ASSERT_TRUE(std::isnan(got)) << "NaN/Inf must poison its group";
          } else {
            ASSERT_TRUE(std::isfinite(got)) << n << " " << c << " " << s;
            const double err = std::fabs(got - ref[i]);
            stats.max_abs = std::max(stats.max_abs, err);
            ASSERT_LE(err, 2e-5 * (1.0 + std::fabs(ref[i])))
                << "n=" << n << " c=" << c << " s=" << s;
          }
        }
      }
    }
    std::printf("[ errors   ] GroupNorm adversarial (%s, %s): max abs %.3g\n",
                GetParam().c_str(), layout ? "NHWC" : "NCHW", stats.max_abs);
  }
}

TEST_P(GroupNormTest, MisalignedAndInPlace) {
  for (simdnorm_layout layout : kLayouts) {
    for (size_t misalign : {1, 3}) {
      const Shape sh{2, 12, 19, 3};
      const int64_t elems = sh.n * sh.c * sh.s;
      const std::vector<float> values = RandomNormal(elems, 1.0, 2.0, 13);
      Buffer x(elems, misalign), y(elems, (misalign + 1) % 4);
      Buffer gamma(sh.c, misalign), beta(sh.c, misalign + 1);
      x.Fill(values);
      gamma.Fill(RandomNormal(sh.c, 1.0, 0.5, 14));
      beta.Fill(RandomNormal(sh.c, 0.0, 0.5, 15));
      auto a = MakeArgs(sh, layout, x.data(), y.data());
      a.gamma = gamma.data();
      a.beta = beta.data();
      a.activation = SIMDNORM_ACT_GELU_TANH;
      ASSERT_EQ(simdnorm_group_norm(raw(), &a), SIMDNORM_OK);
      std::vector<double> ref;
      ReferenceGroupNorm(values.data(), layout, sh.n, sh.c, sh.s, sh.g,
                         gamma.data(), beta.data(), a.eps, a.activation, &ref,
                         nullptr, nullptr);
      EXPECT_TRUE(AllClose(y.data(), elems, ref, 1, elems, 3e-5, 3e-5));
      EXPECT_TRUE(y.GuardIntact());
      // In place: y == x gives the same values.
      a.y = x.data();
      ASSERT_EQ(simdnorm_group_norm(raw(), &a), SIMDNORM_OK);
      EXPECT_EQ(std::memcmp(x.data(), y.data(), elems * sizeof(float)), 0);
      EXPECT_TRUE(x.GuardIntact());
    }
  }
}

// Bit-identical results for 1, 2 and 8 threads, including shapes whose
// single group is split across threads (N = 1, G = 1, many chunks or
// tiles), and slices equal to the full call.
TEST_P(GroupNormTest, ReproducibleAcrossThreads) {
  const Shape shapes[] = {{1, 4, 70000, 1},  // split reduction
                          {1, 64, 4096, 32},
                          {5, 16, 1000, 4},
                          {1, 3, 100000, 3}};
  for (simdnorm_layout layout : kLayouts) {
    for (const Shape& sh : shapes) {
      SCOPED_TRACE(::testing::Message() << "C=" << sh.c << " S=" << sh.s
                                        << " layout=" << layout);
      const int64_t elems = sh.n * sh.c * sh.s;
      const std::vector<float> x = RandomNormal(elems, 3.0, 2.0, 21);
      const std::vector<float> gamma = RandomNormal(sh.c, 1.0, 0.5, 3);
      std::vector<std::vector<float>> outs, means;
      for (int threads : {1, 2, 8}) {
        simdnorm::Context c = ctx_threads(threads);
        std::vector<float> y(elems), mean(sh.n * sh.g);
        auto a = MakeArgs(sh, layout, x.data(), y.data());
        a.gamma = gamma.data();
        a.mean = mean.data();
        a.activation = SIMDNORM_ACT_SILU;
        ASSERT_EQ(simdnorm_group_norm(c.get(), &a), SIMDNORM_OK);
        outs.push_back(y);
        means.push_back(mean);
      }
      // Slices of units, on the caller's thread.
      {
        std::vector<float> y(elems), mean(sh.n * sh.g);
        auto a = MakeArgs(sh, layout, x.data(), y.data());
        a.gamma = gamma.data();
        a.mean = mean.data();
        a.activation = SIMDNORM_ACT_SILU;
        const int64_t units = sh.n * sh.g;
        for (int64_t b = 0; b < units; b += 3) {
          ASSERT_EQ(simdnorm_group_norm_slice(raw(), &a, b,
                                              std::min(units, b + 3)),
                    SIMDNORM_OK);
        }
        outs.push_back(y);
        means.push_back(mean);
      }
      for (size_t i = 1; i < outs.size(); ++i) {
        EXPECT_EQ(std::memcmp(outs[0].data(), outs[i].data(),
                              elems * sizeof(float)),
                  0)
            << "run " << i << " differs";
        EXPECT_EQ(means[0], means[i]);
      }
      std::vector<double> ref;
      ReferenceGroupNorm(x.data(), layout, sh.n, sh.c, sh.s, sh.g,
                         gamma.data(), nullptr, 1e-5, SIMDNORM_ACT_SILU, &ref,
                         nullptr, nullptr);
      EXPECT_TRUE(AllClose(outs[0].data(), elems, ref, 1, elems, 3e-5, 3e-5));
    }
  }
}

SIMDNORM_INSTANTIATE_FOR_TARGETS(GroupNormTest);

// ------------------------------------------------------------- bad input

struct BadCase {
  const char* what;
  void (*mutate)(simdnorm::GroupNormArgs&);
  const char* message;  // substring of simdnorm_last_error()
  simdnorm_status status;
};

TEST(GroupNormBadInput, EachErrorHasStatusMessageAndWritesNothing) {
  static float x[2 * 6 * 5 + 10], y[2 * 6 * 5], gamma[6], mean[4], rstd[4];
  const BadCase cases[] = {
      {"groups not dividing", [](auto& a) { a.groups = 4; },
       "groups (4) must divide channels (6)", SIMDNORM_INVALID_ARGUMENT},
      {"zero groups", [](auto& a) { a.groups = 0; }, "groups (0) must be > 0",
       SIMDNORM_INVALID_ARGUMENT},
      {"negative groups", [](auto& a) { a.groups = -2; },
       "groups (-2) must be > 0", SIMDNORM_INVALID_ARGUMENT},
      {"negative batch", [](auto& a) { a.batch = -1; }, "batch (-1)",
       SIMDNORM_INVALID_ARGUMENT},
      {"zero channels", [](auto& a) { a.channels = 0; }, "channels (0)",
       SIMDNORM_INVALID_ARGUMENT},
      {"negative channels", [](auto& a) { a.channels = -6; }, "channels (-6)",
       SIMDNORM_INVALID_ARGUMENT},
      {"zero spatial", [](auto& a) { a.spatial = 0; }, "spatial (0)",
       SIMDNORM_INVALID_ARGUMENT},
      {"NaN eps", [](auto& a) { a.eps = std::nanf(""); }, "eps",
       SIMDNORM_INVALID_ARGUMENT},
      {"negative eps", [](auto& a) { a.eps = -1e-5f; }, "eps",
       SIMDNORM_INVALID_ARGUMENT},
      {"bad layout", [](auto& a) { a.layout = static_cast<simdnorm_layout>(7); },
       "unknown layout 7", SIMDNORM_INVALID_ARGUMENT},
      {"bad activation",
       [](auto& a) { a.activation = static_cast<simdnorm_activation>(9); },
       "unknown activation 9", SIMDNORM_INVALID_ARGUMENT},
      {"unknown dtype", [](auto& a) { a.dtype = static_cast<simdnorm_dtype>(42); },
       "unknown dtype 42", SIMDNORM_INVALID_ARGUMENT},
      {"int8 dtype", [](auto& a) { a.dtype = SIMDNORM_S8; },
       "is an output type only", SIMDNORM_UNSUPPORTED},
      {"param_dtype", [](auto& a) { a.param_dtype = SIMDNORM_F16; },
       "param_dtype (2) must be SIMDNORM_F32 or dtype (0)",
       SIMDNORM_INVALID_ARGUMENT},
      {"reserved", [](auto& a) { a.reserved = 1; },
       "reserved must be 0 (initialize the arguments with "
       "simdnorm_group_norm_args_init)",
       SIMDNORM_INVALID_ARGUMENT},
      {"gamma size", [](auto& a) { a.param_count = 5; },
       "5 elements but channels is 6", SIMDNORM_INVALID_ARGUMENT},
      {"null x", [](auto& a) { a.x = nullptr; }, "x is null",
       SIMDNORM_INVALID_ARGUMENT},
      {"null y", [](auto& a) { a.y = nullptr; }, "y is null",
       SIMDNORM_INVALID_ARGUMENT},
      {"partial overlap", [](auto& a) { a.y = x + 1; }, "overlap partially",
       SIMDNORM_INVALID_ARGUMENT},
      {"mean on y", [](auto& a) { a.mean = y + 2; }, "outputs y and mean overlap",
       SIMDNORM_INVALID_ARGUMENT},
      {"mean on rstd", [](auto& a) { a.rstd = mean; },
       "mean and rstd overlap", SIMDNORM_INVALID_ARGUMENT},
      {"gamma on y", [](auto& a) { a.gamma = y; }, "input gamma and output y overlap",
       SIMDNORM_INVALID_ARGUMENT},
      {"struct size", [](auto& a) { a.struct_size = 8; }, "struct_size",
       SIMDNORM_INVALID_ARGUMENT},
      {"x batch stride below a sample",
       [](auto& a) { a.x_batch_stride = 29; },
       "x_batch_stride (29) must be >= channels * spatial (30)",
       SIMDNORM_INVALID_ARGUMENT},
      {"negative y batch stride", [](auto& a) { a.y_batch_stride = -30; },
       "y_batch_stride (-30) must be >= channels * spatial (30)",
       SIMDNORM_INVALID_ARGUMENT},
      {"huge batch stride",
       [](auto& a) { a.x_batch_stride = int64_t{1} << 62; },
       "x_batch_stride (4611686018427387904) with 2 rows spans more than "
       "2^58 elements",
       SIMDNORM_INVALID_ARGUMENT},
      {"in place with other strides",
       [](auto& a) {
         a.y = x;
         a.y_batch_stride = 31;
       },
       "input x and output y overlap partially", SIMDNORM_INVALID_ARGUMENT},
      {"strided y over x's second sample",
       [](auto& a) {
         a.x_batch_stride = 40;
         a.y = x + 35;
       },
       "input x and output y overlap", SIMDNORM_INVALID_ARGUMENT},
  };
  for (const BadCase& bad : cases) {
    SCOPED_TRACE(bad.what);
    for (int i = 0; i < 60; ++i) x[i] = static_cast<float>(i % 7);
    std::fill(std::begin(y), std::end(y), -7.0f);
    std::fill(std::begin(mean), std::end(mean), -7.0f);
    std::fill(std::begin(rstd), std::end(rstd), -7.0f);
    for (float& g : gamma) g = 1.0f;
    simdnorm::GroupNormArgs a;
    a.batch = 2;
    a.channels = 6;
    a.spatial = 5;
    a.groups = 2;
    a.x = x;
    a.y = y;
    a.gamma = gamma;
    a.mean = mean;
    a.rstd = rstd;
    a.param_count = 6;
    bad.mutate(a);
    EXPECT_EQ(simdnorm_group_norm(nullptr, &a), bad.status);
    EXPECT_NE(std::string(simdnorm_last_error()).find(bad.message),
              std::string::npos)
        << simdnorm_last_error();
    for (float v : y) ASSERT_EQ(v, -7.0f) << "y written on error";
    for (float v : mean) ASSERT_EQ(v, -7.0f) << "mean written on error";
    for (float v : rstd) ASSERT_EQ(v, -7.0f) << "rstd written on error";
  }
  EXPECT_EQ(simdnorm_group_norm(nullptr, nullptr), SIMDNORM_INVALID_ARGUMENT);
  // The C++ wrapper turns a status into an exception.
  simdnorm::GroupNormArgs a;
  a.channels = 6;
  a.groups = 4;
  a.batch = 1;
  EXPECT_THROW(simdnorm::GroupNorm(a), simdnorm::Error);
}

TEST(GroupNormBadInput, SliceRange) {
  float x[12] = {}, y[12] = {};
  simdnorm::GroupNormArgs a;
  a.batch = 2;
  a.channels = 6;
  a.groups = 3;
  a.x = x;
  a.y = y;
  EXPECT_EQ(simdnorm_group_norm_slice(nullptr, &a, 4, 7),
            SIMDNORM_INVALID_ARGUMENT);
  EXPECT_NE(std::string(simdnorm_last_error()).find("unit range"),
            std::string::npos);
  EXPECT_EQ(simdnorm_group_norm_slice(nullptr, &a, 2, 1),
            SIMDNORM_INVALID_ARGUMENT);
  EXPECT_EQ(simdnorm_group_norm_slice(nullptr, &a, 0, 6), SIMDNORM_OK);
  // Empty batch: valid, nothing to do.
  a.batch = 0;
  a.x = nullptr;
  a.y = nullptr;
  EXPECT_EQ(simdnorm_group_norm(nullptr, &a), SIMDNORM_OK);
}

}  // namespace
}  // namespace simdnorm_test
