// GroupNorm, InstanceNorm and BatchNorm (inference and batch statistics)
// with a quantized output (y_dtype SIMDNORM_S8 / SIMDNORM_U8), on every ISA
// target, for every storage type of x, both layouts, with fused
// activations. Bound (as for the row norms): each output is the exactly
// rounded integer saturate(round_half_even(y_ref / y_scale) + zero_point)
// of the float64 reference, or one off it where y_ref / y_scale is within
// the fp32 contract's error of a rounding boundary. NaN groups land on the
// zero point; the statistics outputs are the same bits as with a float y;
// nothing outside y's elements is written.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "half_reference.h"
#include "quantized_reference.h"
#include "reference.h"
#include "reference_channels.h"
#include "simdnorm/simdnorm.h"
#include "target_harness.h"

namespace simdnorm_test {
namespace {

constexpr uint8_t kUntouched = 0xA5;
constexpr double kContractTol = 3e-5;  // group_norm_test.cc, fp32
constexpr simdnorm_dtype kStorage[] = {SIMDNORM_F32, SIMDNORM_BF16, SIMDNORM_F16};

enum class Op { kGroupNorm, kInstanceNorm, kBatchNormInference, kBatchNormTraining };
constexpr Op kOps[] = {Op::kGroupNorm, Op::kInstanceNorm, Op::kBatchNormInference,
                       Op::kBatchNormTraining};

const char* OpName(Op op) {
  switch (op) {
    case Op::kGroupNorm: return "GroupNorm";
    case Op::kInstanceNorm: return "InstanceNorm";
    case Op::kBatchNormInference: return "BatchNorm inference";
    default: return "BatchNorm training";
  }
}

struct Case {
  Op op = Op::kGroupNorm;
  simdnorm_dtype dtype = SIMDNORM_F32;
  simdnorm_dtype y_dtype = SIMDNORM_S8;
  simdnorm_layout layout = SIMDNORM_NCHW;
  int64_t n = 2, c = 4, s = 9;
  int64_t groups = 2;  // GroupNorm
  simdnorm_activation act = SIMDNORM_ACT_NONE;
  float scale = 0.02f;
  int32_t zero_point = 0;
  double offset = 0.0;
  bool non_finite = false;  // a NaN and an Inf in x
  size_t x_misalign = 0;    // elements past a 64-byte boundary
  size_t y_misalign = 0;
  int64_t x_pad = 0;  // batch strides: sample size + pad
  int64_t y_pad = 0;

  std::string Describe() const {
    char text[320];
    std::snprintf(text, sizeof(text),
                  "%s x -> %s, %s %s %lldx%lldx%lld G%lld %s scale %g zp %d offset %g%s "
                  "misalign %zu/%zu pad %lld/%lld",
                  DtypeName(dtype), y_dtype == SIMDNORM_S8 ? "s8" : "u8", OpName(op),
                  layout == SIMDNORM_NCHW ? "NCHW" : "NHWC", static_cast<long long>(n),
                  static_cast<long long>(c), static_cast<long long>(s),
                  static_cast<long long>(groups), ActivationName(act),
                  static_cast<double>(scale), zero_point, offset,
                  non_finite ? " NaN/Inf" : "", x_misalign, y_misalign,
                  static_cast<long long>(x_pad), static_cast<long long>(y_pad));
    return text;
  }
};

// Bytes filled with kUntouched, with a pointer `misalign` bytes past a
// 64-byte boundary.
struct Bytes {
  Bytes(size_t n, size_t misalign) : storage(n + misalign + 128, kUntouched) {
    const size_t to_line =
        (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
    begin = storage.data() + to_line + misalign;
  }
  std::vector<uint8_t> storage;
  uint8_t* begin;
};

class ChannelQuantizedOutputTest : public TargetTest {
 protected:
  void Run(const Case& c) {
    SCOPED_TRACE(c.Describe() + " on " + GetParam());
    const int64_t sample = c.c * c.s;
    const int64_t elems = c.n * sample;
    std::vector<float> values = RandomNormal(static_cast<size_t>(elems), c.offset, 1.0,
                                             31u + static_cast<uint32_t>(elems));
    if (c.non_finite) {
      values[0] = std::numeric_limits<float>::quiet_NaN();
      values[static_cast<size_t>(elems - 1)] = std::numeric_limits<float>::infinity();
    }
    // x stored with its batch stride; the reference reads the stored values.
    const size_t x_bytes = c.dtype == SIMDNORM_F32 ? 4 : 2;
    const int64_t x_stride = sample + c.x_pad;
    Bytes x(static_cast<size_t>(c.n * x_stride) * x_bytes, c.x_misalign * x_bytes);
    std::vector<float> stored(values.size());
    for (int64_t b = 0; b < c.n; ++b) {
      for (int64_t i = 0; i < sample; ++i) {
        const float v = values[static_cast<size_t>(b * sample + i)];
        uint8_t* at = x.begin + (b * x_stride + i) * static_cast<int64_t>(x_bytes);
        if (c.dtype == SIMDNORM_F32) {
          std::memcpy(at, &v, 4);
          stored[static_cast<size_t>(b * sample + i)] = v;
        } else {
          const uint16_t bits = Narrow(v, c.dtype);
          std::memcpy(at, &bits, 2);
          stored[static_cast<size_t>(b * sample + i)] = Widen(bits, c.dtype);
        }
      }
    }
    const int64_t y_stride = sample + c.y_pad;
    Bytes y(static_cast<size_t>(c.n * y_stride), c.y_misalign);
    // The same call with a float y: the statistics must not change.
    std::vector<float> y_float(static_cast<size_t>(c.n * y_stride) * 2);

    const auto gamma = RandomNormal(static_cast<size_t>(c.c), 1.0, 0.25, 3);
    const auto beta = RandomNormal(static_cast<size_t>(c.c), 0.0, 0.5, 4);
    const auto running_mean =
        RandomNormal(static_cast<size_t>(c.c), c.offset, 1.0, 6);
    auto running_var = RandomNormal(static_cast<size_t>(c.c), 2.0, 0.5, 7);
    for (float& v : running_var) v = std::fabs(v) + 0.1f;
    const float eps = 1e-5f;

    std::vector<double> ref, ref_mean, ref_rstd;
    const bool group = c.op == Op::kGroupNorm || c.op == Op::kInstanceNorm;
    const bool training = c.op == Op::kBatchNormTraining;
    const int64_t groups = c.op == Op::kInstanceNorm ? c.c : c.groups;
    const int64_t stat_count = group ? c.n * groups : c.c;
    // Statistics of the quantized call [0] and the float call [1].
    std::vector<float> mean[2], rstd[2], run_mean[2], run_var[2];
    const auto call = [&](bool quantized) {
      const int k = quantized ? 0 : 1;
      mean[k].assign(static_cast<size_t>(stat_count), -1.0f);
      rstd[k].assign(static_cast<size_t>(stat_count), -1.0f);
      run_mean[k] = running_mean;
      run_var[k] = running_var;
      const auto fill = [&](auto& a) {
        a.dtype = c.dtype;
        a.layout = c.layout;
        a.activation = c.act;
        a.batch = c.n;
        a.channels = c.c;
        a.spatial = c.s;
        a.eps = eps;
        a.x = x.begin;
        a.y = quantized ? static_cast<void*>(y.begin) : y_float.data();
        a.gamma = gamma.data();
        a.beta = beta.data();
        a.x_batch_stride = x_stride;
        a.y_batch_stride = y_stride;
        if (quantized) {
          a.y_dtype = c.y_dtype;
          a.y_scale = c.scale;
          a.y_zero_point = c.zero_point;
        }
      };
      if (group) {
        simdnorm_group_norm_args a;
        if (c.op == Op::kInstanceNorm) {
          simdnorm_instance_norm_args_init(&a);
        } else {
          simdnorm_group_norm_args_init(&a);
          a.groups = groups;
        }
        fill(a);
        a.mean = mean[k].data();
        a.rstd = rstd[k].data();
        return c.op == Op::kInstanceNorm ? simdnorm_instance_norm(raw(), &a)
                                         : simdnorm_group_norm(raw(), &a);
      }
      simdnorm_batch_norm_args a;
      simdnorm_batch_norm_args_init(&a);
      fill(a);
      a.running_mean = run_mean[k].data();
      a.running_var = run_var[k].data();
      if (!training) return simdnorm_batch_norm_inference(raw(), &a);
      a.update_running_stats = 1;
      a.batch_mean = mean[k].data();
      a.batch_rstd = rstd[k].data();
      return simdnorm_batch_norm_training(raw(), &a);
    };
    if (group) {
      ReferenceGroupNorm(stored.data(), c.layout, c.n, c.c, c.s, groups, gamma.data(),
                         beta.data(), eps, c.act, &ref, &ref_mean, &ref_rstd);
    } else {
      ReferenceBatchNorm(stored.data(), c.layout, c.n, c.c, c.s, gamma.data(), beta.data(),
                         training ? nullptr : running_mean.data(),
                         training ? nullptr : running_var.data(), eps, c.act, &ref,
                         &ref_mean, &ref_rstd, nullptr);
    }
    ASSERT_EQ(call(true), SIMDNORM_OK) << simdnorm_last_error();
    ASSERT_EQ(call(false), SIMDNORM_OK) << simdnorm_last_error();
    for (int k : {0, 1}) {
      // NaN == NaN here: compare bits.
      for (auto* v : {&mean[k], &rstd[k], &run_mean[k], &run_var[k]}) {
        for (float& f : *v) {
          if (std::isnan(f)) f = 12345.0f;
        }
      }
    }
    EXPECT_EQ(mean[0], mean[1]) << "statistics changed by the output type";
    EXPECT_EQ(rstd[0], rstd[1]);
    EXPECT_EQ(run_mean[0], run_mean[1]);
    EXPECT_EQ(run_var[0], run_var[1]);

    const Quantization q{c.y_dtype, c.scale, c.zero_point};
    int reported = 0;
    for (int64_t b = 0; b < c.n; ++b) {
      for (int64_t i = 0; i < y_stride; ++i) {
        const uint8_t byte = y.begin[b * y_stride + i];
        if (i >= sample) {
          ASSERT_EQ(byte, kUntouched) << "batch padding of y written, sample " << b;
          continue;
        }
        const int32_t got = StoredQuantized(byte, c.y_dtype);
        const double want_y = ref[static_cast<size_t>(b * sample + i)];
        int32_t want;
        if (!QuantizedWithinContract(got, want_y, q, kContractTol, &want) &&
            reported++ < 5) {
          ADD_FAILURE() << "y[" << b << ", " << i << "] = " << got << ", want " << want
                        << " (y = " << want_y << ")";
        }
      }
    }
    for (size_t i = 1; i <= c.y_misalign; ++i) {
      ASSERT_EQ(*(y.begin - i), kUntouched) << "written before y";
    }
    ASSERT_EQ(y.begin[c.n * y_stride], kUntouched) << "written past y";
    RecordTargetRun(GetParam());
  }

  // Every op, storage type, int8 type and layout for the shape of `base`.
  void RunAll(const Case& base) {
    for (const Op op : kOps) {
      for (const simdnorm_dtype dtype : kStorage) {
        for (const simdnorm_dtype y_dtype : {SIMDNORM_S8, SIMDNORM_U8}) {
          for (const simdnorm_layout layout : {SIMDNORM_NCHW, SIMDNORM_NHWC}) {
            Case c = base;
            c.op = op;
            c.dtype = dtype;
            c.y_dtype = y_dtype;
            c.layout = layout;
            if (op == Op::kBatchNormTraining && c.n * c.s < 2) c.n = 2;
            if (c.c % c.groups != 0) c.groups = 1;
            if (y_dtype == SIMDNORM_U8 && base.zero_point < 0) {
              c.zero_point = 128 + base.zero_point;
            }
            if (dtype != SIMDNORM_F32) c.offset = std::min(c.offset, 100.0);
            Run(c);
            if (HasFatalFailure()) return;
          }
        }
      }
    }
  }
};

// Sizes 1, lanes - 1, lanes, lanes + 1, primes; misaligned x and y and
// batch strides.
TEST_P(ChannelQuantizedOutputTest, SizesLayoutsAndAlignments) {
  const int64_t lanes = LanesOfTarget(GetParam());
  const int64_t shapes[][4] = {  // n, c, s, groups
      {1, 1, 1, 1},
      {2, 3, 1, 1},
      {1, std::max<int64_t>(1, lanes - 1), lanes + 1, 1},
      {2, lanes, lanes, 2},
      {2, lanes + 1, 7, 1},
      {3, 6, 13, 3},
      {2, 8, 37, 4},
      {1, 1031, 3, 1},   // a channels-last row longer than a block
      {2, 2, 1500, 2},   // a channel longer than a block
      {2, 64, 31, 32}};
  int index = 0;
  for (const auto& shape : shapes) {
    Case c;
    c.n = shape[0];
    c.c = shape[1];
    c.s = shape[2];
    c.groups = shape[3];
    c.x_misalign = static_cast<size_t>(index % 3);
    c.y_misalign = static_cast<size_t>(index % 5);
    c.x_pad = index % 2 == 0 ? 0 : 5;
    c.y_pad = index % 3 == 0 ? 0 : 3;
    c.zero_point = index % 2 == 0 ? -3 : 0;
    ++index;
    RunAll(c);
    if (HasFatalFailure()) return;
  }
}

// Activations before quantizing (the value is rounded once).
TEST_P(ChannelQuantizedOutputTest, Activations) {
  for (const simdnorm_activation act :
       {SIMDNORM_ACT_RELU, SIMDNORM_ACT_SILU, SIMDNORM_ACT_GELU_ERF, SIMDNORM_ACT_GELU_TANH}) {
    Case c;
    c.n = 2;
    c.c = 6;
    c.s = 19;
    c.groups = 3;
    c.act = act;
    c.scale = 0.015f;
    c.y_misalign = 1;
    RunAll(c);
    if (HasFatalFailure()) return;
  }
}

// Zero points at the ends of the range, scales that saturate, scales far
// out (1e-39: 1 / scale overflows fp32, so each value is divided), a large
// offset, NaN and Inf inputs.
TEST_P(ChannelQuantizedOutputTest, ScalesZeroPointsAndNonFinite) {
  struct Variant {
    float scale;
    int32_t zero_point;
    double offset;
    bool non_finite;
    simdnorm_activation act;
  };
  const Variant variants[] = {
      {1.0f / 256, -128, 0.0, false, SIMDNORM_ACT_NONE},
      {1.0f / 256, 127, 0.0, false, SIMDNORM_ACT_NONE},
      {0.05f, 0, 1e4, false, SIMDNORM_ACT_NONE},
      {0.03f, -10, 0.0, true, SIMDNORM_ACT_NONE},
      {0.03f, -10, 0.0, true, SIMDNORM_ACT_SILU},
      {1e30f, 5, 0.0, false, SIMDNORM_ACT_NONE},
      {1e-39f, 0, 0.0, false, SIMDNORM_ACT_NONE},
      {1e-30f, -1, 0.0, false, SIMDNORM_ACT_NONE},
      {3.0f, -128, 0.0, false, SIMDNORM_ACT_RELU},
  };
  for (const Variant& v : variants) {
    Case c;
    c.n = 2;
    c.c = 4;
    c.s = 11;
    c.groups = 2;
    c.scale = v.scale;
    c.zero_point = v.zero_point;
    c.offset = v.offset;
    c.non_finite = v.non_finite;
    c.act = v.act;
    RunAll(c);
    if (HasFatalFailure()) return;
    // U8 at its top end too (RunAll maps negative zero points into u8).
    if (v.zero_point == 127) {
      for (const simdnorm_layout layout : {SIMDNORM_NCHW, SIMDNORM_NHWC}) {
        Case u = c;
        u.y_dtype = SIMDNORM_U8;
        u.zero_point = 255;
        u.layout = layout;
        Run(u);
      }
    }
  }
}

// The same bits with 1 and 2 threads and in slices (GroupNorm units,
// BatchNorm inference units), on shapes large enough to be split.
TEST_P(ChannelQuantizedOutputTest, SameBitsForAnySplit) {
  const int64_t n = 4, c = 64, s = 1024;
  const std::vector<float> x = RandomNormal(static_cast<size_t>(n * c * s), 0.5, 2.0, 41);
  std::vector<float> running_mean(static_cast<size_t>(c), 0.25f);
  std::vector<float> running_var(static_cast<size_t>(c), 3.0f);
  for (const simdnorm_layout layout : {SIMDNORM_NCHW, SIMDNORM_NHWC}) {
    for (const bool batch_norm : {false, true}) {
      SCOPED_TRACE(std::string(batch_norm ? "BatchNorm" : "GroupNorm") +
                   (layout == SIMDNORM_NCHW ? " NCHW" : " NHWC"));
      std::vector<std::vector<uint8_t>> results;
      for (const int threads : {1, 2}) {
        simdnorm::Context context = ctx_threads(threads);
        std::vector<uint8_t> y(static_cast<size_t>(n * c * s));
        const auto fill = [&](auto& a) {
          a.layout = layout;
          a.batch = n;
          a.channels = c;
          a.spatial = s;
          a.x = x.data();
          a.y = y.data();
          a.y_dtype = SIMDNORM_U8;
          a.y_scale = 0.03f;
          a.y_zero_point = 128;
        };
        simdnorm_group_norm_args g;
        simdnorm_group_norm_args_init(&g);
        fill(g);
        g.groups = 8;
        simdnorm_batch_norm_args b;
        simdnorm_batch_norm_args_init(&b);
        fill(b);
        b.running_mean = running_mean.data();
        b.running_var = running_var.data();
        ASSERT_EQ(batch_norm ? simdnorm_batch_norm_inference(context.get(), &b)
                             : simdnorm_group_norm(context.get(), &g),
                  SIMDNORM_OK)
            << simdnorm_last_error();
        results.push_back(y);
        std::fill(y.begin(), y.end(), 0);
        const int64_t units = batch_norm ? (layout == SIMDNORM_NCHW ? n * c : n * s)
                                         : n * g.groups;
        for (int64_t u = 0; u < units; u += 5) {
          const int64_t end = std::min(units, u + 5);
          ASSERT_EQ(batch_norm
                        ? simdnorm_batch_norm_inference_slice(context.get(), &b, u, end)
                        : simdnorm_group_norm_slice(context.get(), &g, u, end),
                    SIMDNORM_OK)
              << simdnorm_last_error();
        }
        results.push_back(y);
      }
      for (const auto& r : results) EXPECT_EQ(r, results[0]);
    }
  }
  RecordTargetRun(GetParam());
}

SIMDNORM_INSTANTIATE_FOR_TARGETS(ChannelQuantizedOutputTest);

// Invalid quantization arguments: a clear status and message, y untouched.
TEST(ChannelQuantizedOutputErrors, AreRejectedWithoutWriting) {
  std::vector<float> x(8, 1.0f);
  std::vector<int8_t> y(8, 7);
  std::vector<float> running_mean(2, 0.0f), running_var(2, 1.0f);
  for (const bool batch_norm : {false, true}) {
    const auto attempt = [&](int y_dtype, float scale, int32_t zero_point, void* y_ptr,
                             simdnorm_status want, const char* text) {
      const auto fill = [&](auto& a) {
        a.batch = 2;
        a.channels = 2;
        a.spatial = 2;
        a.x = x.data();
        a.y = y_ptr;
        const int raw = y_dtype;
        std::memcpy(&a.y_dtype, &raw, sizeof(raw));
        a.y_scale = scale;
        a.y_zero_point = zero_point;
      };
      simdnorm_status status;
      if (batch_norm) {
        simdnorm_batch_norm_args a;
        simdnorm_batch_norm_args_init(&a);
        fill(a);
        a.running_mean = running_mean.data();
        a.running_var = running_var.data();
        status = simdnorm_batch_norm_inference(nullptr, &a);
      } else {
        simdnorm_group_norm_args a;
        simdnorm_group_norm_args_init(&a);
        fill(a);
        status = simdnorm_group_norm(nullptr, &a);
      }
      EXPECT_TRUE(FailedWith(status, want, text)) << (batch_norm ? "BatchNorm" : "GroupNorm");
      EXPECT_EQ(y, std::vector<int8_t>(8, 7)) << "written on error: " << text;
    };
    attempt(SIMDNORM_S8, 0.0f, 0, y.data(), SIMDNORM_INVALID_ARGUMENT,
            "y_scale (0) must be finite and > 0");
    attempt(SIMDNORM_S8, -1.0f, 0, y.data(), SIMDNORM_INVALID_ARGUMENT, "y_scale");
    attempt(SIMDNORM_U8, INFINITY, 0, y.data(), SIMDNORM_INVALID_ARGUMENT, "y_scale");
    attempt(SIMDNORM_U8, NAN, 0, y.data(), SIMDNORM_INVALID_ARGUMENT, "y_scale");
    attempt(SIMDNORM_S8, 1.0f, 128, y.data(), SIMDNORM_INVALID_ARGUMENT,
            "y_zero_point (128) must be in [-128, 127]");
    attempt(SIMDNORM_S8, 1.0f, -129, y.data(), SIMDNORM_INVALID_ARGUMENT,
            "y_zero_point (-129) must be in [-128, 127]");
    attempt(SIMDNORM_U8, 1.0f, -1, y.data(), SIMDNORM_INVALID_ARGUMENT,
            "y_zero_point (-1) must be in [0, 255]");
    attempt(SIMDNORM_U8, 1.0f, 256, y.data(), SIMDNORM_INVALID_ARGUMENT,
            "y_zero_point (256) must be in [0, 255]");
    attempt(SIMDNORM_BF16, 1.0f, 0, y.data(), SIMDNORM_UNSUPPORTED, "y_dtype (1) must be");
    attempt(99, 1.0f, 0, y.data(), SIMDNORM_INVALID_ARGUMENT, "y_dtype (99) must be");
    attempt(-5, 1.0f, 0, y.data(), SIMDNORM_INVALID_ARGUMENT, "y_dtype (-5) must be");
    // A quantized y over x (different element sizes): never in place.
    attempt(SIMDNORM_S8, 1.0f, 0, x.data(), SIMDNORM_INVALID_ARGUMENT, "overlap");
    EXPECT_EQ(x, std::vector<float>(8, 1.0f));
  }
}

}  // namespace
}  // namespace simdnorm_test
