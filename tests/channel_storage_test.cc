// GroupNorm, InstanceNorm and BatchNorm (inference and batch statistics)
// with bf16 and fp16 storage, on every ISA target, both layouts, with
// fused activations, against a float64 reference computed from the stored
// (converted) inputs.
//
// Bound: each output within half an ulp of its type at the reference
// value (rounded once, to nearest; a fused activation is rounded once
// too), plus the fp32 contract of the channel ops (3e-5 absolute and
// relative: statistics and the normalize run in fp32 lanes, and their
// error can move a value across a rounding boundary).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "half_reference.h"
#include "reference.h"
#include "reference_channels.h"
#include "simdnorm/simdnorm.h"
#include "target_harness.h"

namespace simdnorm_test {
namespace {

constexpr double kContractTol = 3e-5;  // group_norm_test.cc, fp32
constexpr simdnorm_dtype kTypes[] = {SIMDNORM_BF16, SIMDNORM_F16};

enum class Op { kGroupNorm, kInstanceNorm, kBatchNormInference, kBatchNormTraining };

const char* OpName(Op op) {
  switch (op) {
    case Op::kGroupNorm: return "GroupNorm";
    case Op::kInstanceNorm: return "InstanceNorm";
    case Op::kBatchNormInference: return "BatchNorm inference";
    default: return "BatchNorm training";
  }
}

// kConstantHugeGamma: the constant channel of kConstantChannel with a
// gamma near FLT_MAX, so that rstd * gamma is past the float range.
enum class Data {
  kNormal,
  kOffset,
  kConstantChannel,
  kConstantHugeGamma,
  kHuge,
  kTiny,
  kNonFinite
};

const char* DataName(Data d) {
  switch (d) {
    case Data::kNormal: return "normal";
    case Data::kOffset: return "offset";
    case Data::kConstantChannel: return "constant channel 0";
    case Data::kConstantHugeGamma: return "constant channel 0, gamma 3e38";
    case Data::kHuge: return "huge";
    case Data::kTiny: return "tiny";
    default: return "nonfinite";
  }
}

struct Case {
  Op op;
  simdnorm_dtype dtype;
  simdnorm_layout layout;
  int64_t n, c, s;
  int64_t groups = 1;  // GroupNorm
  Data data = Data::kNormal;
  simdnorm_activation act = SIMDNORM_ACT_NONE;
  size_t x_misalign = 0;
  size_t y_misalign = 0;
  bool in_place = false;
  bool stored_params = false;  // gamma and beta in the storage type
  int threads = 1;

  std::string Describe() const {
    return std::string(DtypeName(dtype)) + " " + OpName(op) +
           (layout == SIMDNORM_NCHW ? " NCHW " : " NHWC ") + std::to_string(n) + "x" +
           std::to_string(c) + "x" + std::to_string(s) + " G" + std::to_string(groups) + " " +
           DataName(data) + " " + ActivationName(act) + " misalign " +
           std::to_string(x_misalign) + "/" + std::to_string(y_misalign) +
           (in_place ? " in place" : "") + (stored_params ? " stored params" : "") +
           " threads " + std::to_string(threads);
  }
};

// Values as fp32, before they are stored (and rounded) as `dtype`.
std::vector<float> MakeValues(const Case& c) {
  const size_t n = static_cast<size_t>(c.n * c.c * c.s);
  const bool bf16 = c.dtype == SIMDNORM_BF16;
  auto v = RandomNormal(n, 0.0, 1.0, 17u + static_cast<uint32_t>(n));
  switch (c.data) {
    case Data::kNormal:
      break;
    case Data::kOffset:  // a large mean: the pivot keeps it exact
      v = RandomNormal(n, bf16 ? 1e4 : 1000.0, bf16 ? 100.0 : 4.0, 5);
      break;
    case Data::kConstantChannel:  // channel 0 (and its group) constant
    case Data::kConstantHugeGamma:
      for (int64_t b = 0; b < c.n; ++b) {
        for (int64_t s = 0; s < c.s; ++s) {
          for (int64_t ch = 0; ch < std::max<int64_t>(1, c.c / c.groups); ++ch) {
            v[static_cast<size_t>(TensorIndex(c.layout, c.c, c.s, b, ch, s))] = 3.25f;
          }
        }
      }
      break;
    case Data::kHuge:  // squares overflow fp32 (bf16) or near fp16's max
      for (float& f : v) f = std::clamp(f, -3.0f, 3.0f) * (bf16 ? 1e37f : 20000.0f);
      break;
    case Data::kTiny:  // bf16 around 1e-36; fp16 subnormals
      for (float& f : v) f *= bf16 ? 1e-36f : 2e-6f;
      break;
    case Data::kNonFinite:
      v[0] = std::numeric_limits<float>::quiet_NaN();
      v[n - 1] = std::numeric_limits<float>::infinity();
      break;
  }
  return v;
}

struct UlpRecord {
  double max_ulps[3] = {0, 0, 0};
};
UlpRecord& Record() {
  static UlpRecord r;
  return r;
}

class ChannelStorageTest : public TargetTest {
 protected:
  void Run(const Case& c) {
    SCOPED_TRACE(c.Describe() + " on " + GetParam());
    const int64_t elems = c.n * c.c * c.s;
    const auto values = MakeValues(c);
    HalfBuffer x(static_cast<size_t>(elems), c.x_misalign);
    HalfBuffer y_buffer(static_cast<size_t>(elems), c.y_misalign);
    std::vector<float> stored(static_cast<size_t>(elems));
    for (int64_t i = 0; i < elems; ++i) {
      x.data()[i] = Narrow(values[i], c.dtype);
      stored[i] = Widen(x.data()[i], c.dtype);
    }
    uint16_t* y = c.in_place ? x.data() : y_buffer.data();
    // Parameters: fp32, or stored as dtype (the reference uses the stored
    // values either way).
    auto gamma = RandomNormal(static_cast<size_t>(c.c), 1.0, 0.25, 3);
    auto beta = RandomNormal(static_cast<size_t>(c.c), 0.0, 0.5, 4);
    if (c.data == Data::kConstantHugeGamma) {
      for (int64_t ch = 0; ch < std::max<int64_t>(1, c.c / c.groups); ++ch) {
        gamma[static_cast<size_t>(ch)] = 3e38f;
      }
    }
    std::vector<uint16_t> gamma16(gamma.size()), beta16(beta.size());
    for (size_t i = 0; i < gamma.size(); ++i) {
      gamma16[i] = Narrow(gamma[i], c.dtype);
      beta16[i] = Narrow(beta[i], c.dtype);
      if (c.stored_params) {
        gamma[i] = Widen(gamma16[i], c.dtype);
        beta[i] = Widen(beta16[i], c.dtype);
      }
    }
    const simdnorm_dtype param_dtype = c.stored_params ? c.dtype : SIMDNORM_F32;
    const void* gamma_arg = c.stored_params ? static_cast<const void*>(gamma16.data())
                                            : gamma.data();
    const void* beta_arg = c.stored_params ? static_cast<const void*>(beta16.data())
                                           : beta.data();
    const auto running_mean = RandomNormal(static_cast<size_t>(c.c), 0.5, 1.0, 6);
    auto running_var = RandomNormal(static_cast<size_t>(c.c), 2.0, 0.5, 7);
    for (float& v : running_var) v = std::fabs(v) + 0.1f;

    std::vector<double> ref, ref_mean, ref_rstd;
    const float eps = c.data == Data::kTiny ? 0.0f : 1e-5f;
    const simdnorm::Context context = ctx_threads(c.threads);
    // The fields the group and batch norm args share.
    const auto fill = [&](auto& a) {
      a.dtype = c.dtype;
      a.layout = c.layout;
      a.activation = c.act;
      a.batch = c.n;
      a.channels = c.c;
      a.spatial = c.s;
      a.eps = eps;
      a.x = x.data();
      a.y = y;
      a.param_dtype = param_dtype;
      a.gamma = gamma_arg;
      a.beta = beta_arg;
    };
    simdnorm_status status;
    if (c.op == Op::kGroupNorm || c.op == Op::kInstanceNorm) {
      const int64_t groups = c.op == Op::kInstanceNorm ? c.c : c.groups;
      ReferenceGroupNorm(stored.data(), c.layout, c.n, c.c, c.s, groups, gamma.data(),
                         beta.data(), eps, c.act, &ref, &ref_mean, &ref_rstd);
      simdnorm_group_norm_args a;
      simdnorm_group_norm_args_init(&a);
      fill(a);
      a.groups = groups;
      status = c.op == Op::kInstanceNorm ? simdnorm_instance_norm(context.get(), &a)
                                         : simdnorm_group_norm(context.get(), &a);
    } else {
      const bool training = c.op == Op::kBatchNormTraining;
      ReferenceBatchNorm(stored.data(), c.layout, c.n, c.c, c.s, gamma.data(), beta.data(),
                         training ? nullptr : running_mean.data(),
                         training ? nullptr : running_var.data(), eps, c.act, &ref, &ref_mean,
                         &ref_rstd, nullptr);
      simdnorm_batch_norm_args a;
      simdnorm_batch_norm_args_init(&a);
      fill(a);
      std::vector<float> rm(running_mean), rv(running_var);
      a.running_mean = rm.data();
      a.running_var = rv.data();
      status = training ? simdnorm_batch_norm_training(context.get(), &a)
                        : simdnorm_batch_norm_inference(context.get(), &a);
    }
    ASSERT_EQ(status, SIMDNORM_OK) << simdnorm_last_error();
    EXPECT_TRUE(x.GuardIntact() && y_buffer.GuardIntact()) << "write past the end";
    Compare(c, y, ref);
    RecordTargetRun(GetParam());
  }

  // Within half an ulp of the type plus the fp32 contract; a NaN reference
  // (a group or channel holding NaN or Inf) requires NaN.
  void Compare(const Case& c, const uint16_t* y, const std::vector<double>& ref) {
    double& record = Record().max_ulps[c.dtype];
    int reported = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      const double want = ref[i];
      const float got = Widen(y[i], c.dtype);
      if (std::isnan(want)) {
        if (!std::isnan(got) && reported++ < 5) {
          ADD_FAILURE() << "y[" << i << "] = " << got << ", want NaN";
        }
        continue;
      }
      if (std::isinf(want)) {  // an Inf input in inference
        if (double{got} != want && reported++ < 5) {
          ADD_FAILURE() << "y[" << i << "] = " << got << ", want " << want;
        }
        continue;
      }
      const double err = std::fabs(double{got} - want);
      const double ulp = UlpAt(want, c.dtype);
      if (std::fabs(want) >= 0x1p-6) record = std::max(record, err / ulp);
      if (!(err <= 0.5 * ulp + kContractTol * (1.0 + std::fabs(want))) && reported++ < 5) {
        ADD_FAILURE() << "y[" << i << "] = " << got << ", want " << want << " (" << err / ulp
                      << " ulps)";
      }
    }
  }
};

constexpr Op kOps[] = {Op::kGroupNorm, Op::kInstanceNorm, Op::kBatchNormInference,
                       Op::kBatchNormTraining};
constexpr simdnorm_layout kLayouts[] = {SIMDNORM_NCHW, SIMDNORM_NHWC};

// Spatial sizes around the vector length of the target (short channels
// take the blended runs), and channel counts that leave partial vectors.
TEST_P(ChannelStorageTest, ShapesLayoutsAndAlignments) {
  const int lanes = LanesOfTarget(GetParam());
  const int64_t spatials[] = {1, 7, lanes - 1 > 0 ? lanes - 1 : 1, lanes + 1, 49, 61};
  const int64_t channels[] = {3, 8, 20};
  const size_t misaligns[][2] = {{0, 0}, {1, 3}, {3, 0}};
  for (const simdnorm_dtype dtype : kTypes) {
    for (const Op op : kOps) {
      for (const simdnorm_layout layout : kLayouts) {
        for (const int64_t s : spatials) {
          for (const int64_t ch : channels) {
            if (op == Op::kInstanceNorm && s == 1) continue;  // one value per group
            const auto& m = misaligns[(s + ch) % 3];
            Case c{op, dtype, layout, 2, ch, s};
            c.groups = ch % 4 == 0 ? 4 : 1;
            c.x_misalign = m[0];
            c.y_misalign = m[1];
            Run(c);
          }
        }
      }
    }
  }
}

TEST_P(ChannelStorageTest, FusedActivationsRoundOnce) {
  const simdnorm_activation acts[] = {SIMDNORM_ACT_RELU, SIMDNORM_ACT_SILU,
                                      SIMDNORM_ACT_GELU_ERF, SIMDNORM_ACT_GELU_TANH};
  for (const simdnorm_dtype dtype : kTypes) {
    for (const simdnorm_layout layout : kLayouts) {
      for (const simdnorm_activation act : acts) {
        Case group{Op::kGroupNorm, dtype, layout, 2, 32, 37};
        group.groups = 8;
        group.act = act;
        group.x_misalign = 1;
        Run(group);
        // More than one block of the fp64 activation pass per channel.
        Case long_channels{Op::kBatchNormInference, dtype, layout, 1, 3, 2500};
        long_channels.act = act;
        Run(long_channels);
      }
    }
  }
}

TEST_P(ChannelStorageTest, AdversarialValues) {
  const Data kinds[] = {Data::kOffset, Data::kConstantChannel, Data::kConstantHugeGamma,
                        Data::kHuge, Data::kTiny, Data::kNonFinite};
  for (const simdnorm_dtype dtype : kTypes) {
    for (const Op op : kOps) {
      for (const simdnorm_layout layout : kLayouts) {
        for (const Data kind : kinds) {
          // Inference has no statistics to stress; huge values would
          // overflow fp16 through gamma, tiny ones meet eps 0, and a huge
          // gamma overflows every output of the constant channel.
          if (op == Op::kBatchNormInference &&
              (kind == Data::kHuge || kind == Data::kTiny ||
               kind == Data::kConstantHugeGamma)) {
            continue;
          }
          Case c{op, dtype, layout, 2, 8, 33};
          c.groups = 2;
          c.data = kind;
          Run(c);
        }
      }
    }
  }
}

// In place, gamma and beta in the storage type, large units (chunked and
// split reductions, streaming sizes aside), and two threads.
TEST_P(ChannelStorageTest, InPlaceLargeAndThreaded) {
  for (const simdnorm_dtype dtype : kTypes) {
    for (const Op op : kOps) {
      for (const simdnorm_layout layout : kLayouts) {
        Case in_place{op, dtype, layout, 2, 6, 50};
        in_place.in_place = true;
        in_place.x_misalign = 1;
        in_place.groups = 3;
        Run(in_place);
        Case stored_params{op, dtype, layout, 2, 12, 29};
        stored_params.stored_params = true;
        stored_params.groups = 4;
        Run(stored_params);
        Case large{op, dtype, layout, 2, 16, 4097};
        large.groups = 4;
        large.threads = 2;
        Run(large);
      }
    }
  }
}

SIMDNORM_INSTANTIATE_FOR_TARGETS(ChannelStorageTest);

class ChannelStorageReport : public ::testing::Environment {
 public:
  void TearDown() override {
    const UlpRecord& r = Record();
    if (r.max_ulps[SIMDNORM_BF16] > 0 || r.max_ulps[SIMDNORM_F16] > 0) {
      std::printf("channel storage: max error of y (|y| >= 2^-6) bf16 %.3f ulp, f16 %.3f ulp\n",
                  r.max_ulps[SIMDNORM_BF16], r.max_ulps[SIMDNORM_F16]);
    }
  }
};
const auto* const kChannelStorageReport =
    ::testing::AddGlobalTestEnvironment(new ChannelStorageReport);

}  // namespace
}  // namespace simdnorm_test
