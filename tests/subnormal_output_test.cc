// Outputs in the storage type's subnormal range, on every ISA target: a
// gamma just below the type's smallest normal puts most outputs of a
// normalized row or group there. Hardware conversions that treat such
// inputs as zero (AVX512_BF16's vcvtneps2bf16) must not reach them: each
// output is within one step of the type's subnormals (2^-133 for bf16,
// 2^-24 for fp16) of the float64 reference, where a flush to zero is off by
// up to 2^7 (bf16) or 2^10 (fp16) steps. Full vectors and the main loops'
// blocks of four are covered (rows and groups of 1000 and 4096 values).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "op_args.h"
#include "half_reference.h"
#include "reference.h"
#include "reference_channels.h"
#include "simdnorm/simdnorm.h"
#include "target_harness.h"

namespace simdnorm_test {
namespace {

constexpr simdnorm_dtype kTypes[] = {SIMDNORM_BF16, SIMDNORM_F16};

// Half the type's smallest normal: |x_hat| < 2 maps to subnormal outputs.
float SubnormalGamma(simdnorm_dtype dtype) {
  return dtype == SIMDNORM_BF16 ? 0x1p-127f : 0x1p-15f;
}

double SubnormalStep(simdnorm_dtype dtype) {
  return dtype == SIMDNORM_BF16 ? 0x1p-133 : 0x1p-24;
}

class SubnormalOutputTest : public TargetTest {
 protected:
  // x: normal values stored in dtype; returns them widened.
  static std::vector<float> Fill(HalfBuffer* x, size_t n, simdnorm_dtype dtype) {
    const std::vector<float> values = RandomNormal(n, 0.0, 1.0, 11);
    std::vector<float> stored(n);
    for (size_t i = 0; i < n; ++i) {
      x->data()[i] = Narrow(values[i], dtype);
      stored[i] = Widen(x->data()[i], dtype);
    }
    return stored;
  }

  // Returns how many outputs were subnormal in dtype (the test's premise).
  static int64_t Compare(const uint16_t* y, const std::vector<double>& ref,
                         simdnorm_dtype dtype) {
    const double step = SubnormalStep(dtype);
    const double smallest_normal = dtype == SIMDNORM_BF16 ? 0x1p-126 : 0x1p-14;
    int64_t subnormal = 0;
    int reported = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      const double got = Widen(y[i], dtype);
      if (std::fabs(ref[i]) < smallest_normal) ++subnormal;
      if (!(std::fabs(got - ref[i]) <= step) && reported++ < 5) {
        ADD_FAILURE() << DtypeName(dtype) << " y[" << i << "] = " << got << ", want " << ref[i]
                      << " (" << std::fabs(got - ref[i]) / step << " subnormal steps off)";
      }
    }
    return subnormal;
  }
};

TEST_P(SubnormalOutputTest, RowNorms) {
  for (const simdnorm_dtype dtype : kTypes) {
    for (const int64_t cols : {int64_t{1000}, int64_t{4096}}) {
      const int64_t rows = 3;
      const size_t n = static_cast<size_t>(rows * cols);
      HalfBuffer x(n, 0), y(n, 8);
      const std::vector<float> stored = Fill(&x, n, dtype);
      const std::vector<float> gamma(static_cast<size_t>(cols), SubnormalGamma(dtype));
      std::vector<double> ref, mean, rstd;
      ReferenceLayerNorm(stored.data(), rows, cols, cols, gamma.data(), nullptr, 1e-5, &ref,
                         &mean, &rstd);
      auto a = RowArgs(dtype, rows, cols, x.data(), y.data());
      a.gamma = gamma.data();
      ASSERT_EQ(simdnorm_layer_norm(raw(), &a), SIMDNORM_OK) << simdnorm_last_error();
      EXPECT_GT(Compare(y.data(), ref, dtype), static_cast<int64_t>(n / 2));
    }
  }
  RecordTargetRun(GetParam());
}

TEST_P(SubnormalOutputTest, GroupNormBothLayouts) {
  for (const simdnorm_dtype dtype : kTypes) {
    for (const simdnorm_layout layout : {SIMDNORM_NCHW, SIMDNORM_NHWC}) {
      const int64_t N = 2, C = 32, S = 256, G = 2;  // groups of 4096 values
      const size_t n = static_cast<size_t>(N * C * S);
      HalfBuffer x(n, 0), y(n, 8);
      const std::vector<float> stored = Fill(&x, n, dtype);
      const std::vector<float> gamma(static_cast<size_t>(C), SubnormalGamma(dtype));
      const std::vector<float> beta(static_cast<size_t>(C), 0.0f);
      std::vector<double> ref, mean, rstd;
      ReferenceGroupNorm(stored.data(), layout, N, C, S, G, gamma.data(), beta.data(), 1e-5,
                         SIMDNORM_ACT_NONE, &ref, &mean, &rstd);
      auto a = ChannelArgs<simdnorm::GroupNormArgs>(N, C, S, layout, x.data(), y.data());
      a.dtype = dtype;
      a.groups = G;
      a.gamma = gamma.data();
      a.beta = beta.data();
      simdnorm::GroupNorm(a, &ctx());
      SCOPED_TRACE(layout == SIMDNORM_NCHW ? "NCHW" : "NHWC");
      EXPECT_GT(Compare(y.data(), ref, dtype), static_cast<int64_t>(n / 2));
    }
  }
  RecordTargetRun(GetParam());
}

SIMDNORM_INSTANTIATE_FOR_TARGETS(SubnormalOutputTest);

}  // namespace
}  // namespace simdnorm_test
