// Accuracy of the fused activations over the whole fp32 range, on every
// ISA target. They are reached through BatchNorm inference set up as the
// identity (running mean 0, running var 1, eps 0: y = act(x) exactly), so
// the measured error is the activation's alone.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "reference_channels.h"
#include "simdnorm/simdnorm.hpp"
#include "target_harness.h"

namespace simdnorm_test {
namespace {

// Finite floats spread over the whole range (every 4099th bit pattern),
// a dense sweep of [-20, 20] and the edges.
std::vector<float> WholeRange() {
  std::vector<float> v;
  for (uint64_t bits = 0; bits < 0x100000000ull; bits += 4099) {
    uint32_t b = static_cast<uint32_t>(bits);
    float f;
    std::memcpy(&f, &b, sizeof(f));
    if (std::isfinite(f)) v.push_back(f);
  }
  for (int i = -200000; i <= 200000; ++i) v.push_back(i * 1e-4f);
  for (float f : {0.0f, -0.0f, FLT_MIN, -FLT_MIN, FLT_MAX, -FLT_MAX,
                  FLT_TRUE_MIN, -FLT_TRUE_MIN, 64.0f, -64.0f, -88.7f, -104.0f,
                  -13.9f, -14.5f, 1.0f, -1.0f, 41.0f, -41.0f}) {
    v.push_back(f);
  }
  return v;
}

class ActivationTest : public TargetTest {
 protected:
  std::vector<float> Apply(const std::vector<float>& x,
                           simdnorm_activation act) {
    std::vector<float> y(x.size());
    float mean = 0.0f, var = 1.0f;
    simdnorm::BatchNormArgs a;
    a.batch = 1;
    a.channels = 1;
    a.spatial = static_cast<int64_t>(x.size());
    a.eps = 0.0f;
    a.x = x.data();
    a.y = y.data();
    a.running_mean = &mean;
    a.running_var = &var;
    a.activation = act;
    EXPECT_EQ(simdnorm_batch_norm_inference(raw(), &a), SIMDNORM_OK);
    return y;
  }

  // Max ulp error over the whole range; no NaN for finite input.
  double MaxUlp(simdnorm_activation act) {
    const std::vector<float> x = WholeRange();
    const std::vector<float> y = Apply(x, act);
    double worst = 0.0;
    float worst_x = 0.0f;
    for (size_t i = 0; i < x.size(); ++i) {
      const double want = ReferenceActivation(x[i], act);
      EXPECT_FALSE(std::isnan(y[i])) << "x = " << x[i];
      const double e = UlpError(y[i], want);
      if (e > worst) {
        worst = e;
        worst_x = x[i];
      }
    }
    std::printf("[ errors   ] %s on %s: max %.2f ulp (at x = %.9g)\n",
                ActivationName(act), GetParam().c_str(), worst, worst_x);
    return worst;
  }
};

TEST_P(ActivationTest, ReluIsExact) {
  EXPECT_EQ(MaxUlp(SIMDNORM_ACT_RELU), 0.0);
}
TEST_P(ActivationTest, SiluWholeRange) {
  EXPECT_LE(MaxUlp(SIMDNORM_ACT_SILU), 3.0);
}
TEST_P(ActivationTest, GeluErfWholeRange) {
  EXPECT_LE(MaxUlp(SIMDNORM_ACT_GELU_ERF), 2.0);
}
TEST_P(ActivationTest, GeluTanhWholeRange) {
  EXPECT_LE(MaxUlp(SIMDNORM_ACT_GELU_TANH), 2.0);
}

TEST_P(ActivationTest, NonFiniteInputs) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {nan, inf, 1.0f, nan, 2.0f, -3.0f, inf};
  for (simdnorm_activation act :
       {SIMDNORM_ACT_RELU, SIMDNORM_ACT_SILU, SIMDNORM_ACT_GELU_ERF,
        SIMDNORM_ACT_GELU_TANH}) {
    const std::vector<float> y = Apply(x, act);
    EXPECT_TRUE(std::isnan(y[0])) << ActivationName(act);
    EXPECT_TRUE(std::isnan(y[3])) << ActivationName(act);
    EXPECT_EQ(y[1], inf) << ActivationName(act);
    EXPECT_EQ(y[6], inf) << ActivationName(act);
  }
}

SIMDNORM_INSTANTIATE_FOR_TARGETS(ActivationTest);

}  // namespace
}  // namespace simdnorm_test
