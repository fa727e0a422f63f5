// LayerNorm and RMSNorm with a quantized output (y_dtype SIMDNORM_S8 /
// SIMDNORM_U8), on every ISA target, for every storage type of x: each
// output is the exactly rounded integer
// saturate(round_half_even(y_ref / y_scale) + y_zero_point) of the float64
// reference, or one off it where y_ref / y_scale is within the fp32
// contract's error of a rounding boundary (fp32 statistics can move a value
// across it, never further), saturation at both ends, NaN rows at the zero
// point, residual and residual_bias, strides and odd sizes, and the errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "half_reference.h"
#include "quantized_reference.h"
#include "reference.h"
#include "simdnorm/simdnorm.h"
#include "target_harness.h"

namespace simdnorm_test {
namespace {

constexpr uint8_t kUntouched = 0xA5;
// The fp32 contract on y (row_norm_test.cc): absolute and relative.
constexpr double kYTol = 2e-5;

struct QuantCase {
  simdnorm_dtype dtype = SIMDNORM_F32;  // x, residual, sum_out
  simdnorm_dtype y_dtype = SIMDNORM_S8;
  bool rms = false;
  int64_t rows = 3;
  int64_t cols = 64;
  int64_t y_pad = 0;  // y_stride = cols + y_pad
  float scale = 0.02f;
  int32_t zero_point = 0;
  double offset = 0.0;  // mean of x
  bool residual = false;
  bool bias = false;
  bool nan_row = false;  // row 0 holds a NaN
  size_t misalign = 0;   // bytes of y past a 64-byte boundary

  std::string Describe() const {
    char text[256];
    std::snprintf(text, sizeof(text),
                  "%s x -> %s, %s %lldx%lld pad %lld scale %g zp %d offset "
                  "%g%s%s%s misalign %zu",
                  dtype == SIMDNORM_F32 ? "f32" : DtypeName(dtype),
                  y_dtype == SIMDNORM_S8 ? "s8" : "u8",
                  rms ? "RMSNorm" : "LayerNorm", static_cast<long long>(rows),
                  static_cast<long long>(cols), static_cast<long long>(y_pad),
                  static_cast<double>(scale), zero_point, offset,
                  residual ? " residual" : "", bias ? " bias" : "",
                  nan_row ? " NaN row" : "", misalign);
    return text;
  }
};

// Values of storage type `dtype`: the bits kept for the call and the
// values (exact) for the reference.
struct Stored {
  std::vector<float> f32;
  std::vector<uint16_t> bits;
  std::vector<float> values;
  const void* data() const {
    return f32.empty() ? static_cast<const void*>(bits.data()) : f32.data();
  }
};

Stored Store(const std::vector<float>& v, simdnorm_dtype dtype) {
  Stored s;
  if (dtype == SIMDNORM_F32) {
    s.f32 = v;
    s.values = v;
    return s;
  }
  for (const float f : v) {
    s.bits.push_back(Narrow(f, dtype));
    s.values.push_back(Widen(s.bits.back(), dtype));
  }
  return s;
}

class QuantizedOutputTest : public TargetTest {
 protected:
  void Run(const QuantCase& c) {
    SCOPED_TRACE(c.Describe() + " on " + GetParam());
    const int64_t n = c.rows * c.cols;
    std::vector<float> xv = RandomNormal(static_cast<size_t>(n), c.offset,
                                         1.0, 11u + static_cast<uint32_t>(c.cols));
    if (c.nan_row) xv[static_cast<size_t>(c.cols / 2)] = NAN;
    const Stored x = Store(xv, c.dtype);
    const Stored residual =
        Store(RandomNormal(static_cast<size_t>(n), 0.0, 0.5, 12), c.dtype);
    const std::vector<float> gamma = RandomNormal(c.cols, 1.0, 0.25, 13);
    const std::vector<float> beta = RandomNormal(c.cols, 0.0, 0.5, 14);
    const std::vector<float> bias = RandomNormal(c.cols, 1.0, 0.5, 15);
    // s as the library forms it: fp32 adds.
    std::vector<float> s(x.values);
    for (int64_t i = 0; i < n; ++i) {
      if (c.residual) s[i] += residual.values[i];
      if (c.bias) s[i] += bias[static_cast<size_t>(i % c.cols)];
    }
    std::vector<double> ref, ref_mean, ref_rstd;
    if (c.rms) {
      ReferenceRmsNorm(s.data(), c.rows, c.cols, c.cols, gamma.data(), 1e-5,
                       &ref, &ref_rstd);
    } else {
      ReferenceLayerNorm(s.data(), c.rows, c.cols, c.cols, gamma.data(),
                         beta.data(), 1e-5, &ref, &ref_mean, &ref_rstd);
    }
    // A row with a NaN is NaN throughout (the library's contract).
    if (c.nan_row) {
      for (int64_t j = 0; j < c.cols; ++j) ref[j] = NAN;
    }

    const int64_t y_stride = c.cols + c.y_pad;
    std::vector<uint8_t> y_storage(c.misalign + y_stride * c.rows + 64 + 64,
                                   kUntouched);
    uint8_t* const y_base = y_storage.data() +
                            (64 - reinterpret_cast<uintptr_t>(y_storage.data()) % 64) % 64 +
                            c.misalign;
    std::vector<uint16_t> sum16(static_cast<size_t>(n));
    std::vector<float> sum32(static_cast<size_t>(n));
    std::vector<float> rstd(static_cast<size_t>(c.rows));

    simdnorm_row_norm_args args;
    simdnorm_row_norm_args_init(&args);
    args.dtype = c.dtype;
    args.rows = c.rows;
    args.cols = c.cols;
    args.x = x.data();
    args.y = y_base;
    args.y_stride = y_stride;
    args.gamma = gamma.data();
    if (!c.rms) args.beta = beta.data();
    args.rstd = rstd.data();
    if (c.residual) args.residual = residual.data();
    if (c.bias) args.residual_bias = bias.data();
    if (c.residual || c.bias) {
      args.sum_out = c.dtype == SIMDNORM_F32 ? static_cast<void*>(sum32.data())
                                             : sum16.data();
    }
    args.y_dtype = c.y_dtype;
    args.y_scale = c.scale;
    args.y_zero_point = c.zero_point;
    const simdnorm_status status =
        c.rms ? simdnorm_rms_norm(raw(), &args) : simdnorm_layer_norm(raw(), &args);
    ASSERT_EQ(status, SIMDNORM_OK) << simdnorm_last_error();

    const Quantization q{c.y_dtype, c.scale, c.zero_point};
    int reported = 0;
    for (int64_t r = 0; r < c.rows; ++r) {
      for (int64_t j = 0; j < y_stride; ++j) {
        const uint8_t raw_byte = y_base[r * y_stride + j];
        if (j >= c.cols) {
          ASSERT_EQ(raw_byte, kUntouched) << "padding of y written at " << r;
          continue;
        }
        const int32_t got = StoredQuantized(raw_byte, c.y_dtype);
        const double want_y = ref[r * c.cols + j];
        int32_t want;
        if (!QuantizedWithinContract(got, want_y, q, kYTol, &want) && reported++ < 5) {
          ADD_FAILURE() << "y[" << r << ", " << j << "] = " << got << ", want "
                        << want << " (y = " << want_y << ")";
        }
      }
    }
    for (size_t i = 0; i < c.misalign; ++i) {
      ASSERT_EQ(y_base[-1 - static_cast<int64_t>(i)], kUntouched) << "written before y";
    }
    ASSERT_EQ(y_base[y_stride * c.rows], kUntouched) << "written past y";
    if (c.residual || c.bias) {  // the sum, rounded once to dtype
      for (int64_t i = 0; i < n && reported < 5; ++i) {
        const bool same = c.dtype == SIMDNORM_F32
                              ? sum32[i] == s[i]
                              : sum16[i] == Narrow(s[i], c.dtype);
        if (!same) {
          ADD_FAILURE() << "sum_out[" << i << "] differs";
          ++reported;
        }
      }
    }
    RecordTargetRun(GetParam());
  }
};

constexpr simdnorm_dtype kStorage[] = {SIMDNORM_F32, SIMDNORM_BF16, SIMDNORM_F16};

TEST_P(QuantizedOutputTest, OddSizesAndAlignments) {
  for (const simdnorm_dtype dtype : kStorage) {
    for (const simdnorm_dtype y_dtype : {SIMDNORM_S8, SIMDNORM_U8}) {
      for (const bool rms : {false, true}) {
        for (const int64_t cols : {1, 7, 16, 17, 64, 129, 1000, 4097}) {
          QuantCase c;
          c.dtype = dtype;
          c.y_dtype = y_dtype;
          c.rms = rms;
          c.cols = cols;
          c.y_pad = cols % 3;
          c.misalign = static_cast<size_t>(cols % 5);
          c.zero_point = y_dtype == SIMDNORM_S8 ? -3 : 128;
          Run(c);
        }
      }
    }
  }
}

// Scales that saturate most values (both ends), a zero point at the edge
// of the range, a large offset, a NaN row, and a long row (several fp32
// blocks, chunked reductions).
TEST_P(QuantizedOutputTest, SaturationOffsetsAndNaN) {
  for (const simdnorm_dtype dtype : kStorage) {
    for (const simdnorm_dtype y_dtype : {SIMDNORM_S8, SIMDNORM_U8}) {
      QuantCase saturate;
      saturate.dtype = dtype;
      saturate.y_dtype = y_dtype;
      saturate.scale = 1.0f / 256;
      saturate.zero_point = y_dtype == SIMDNORM_S8 ? 127 : 0;
      Run(saturate);
      QuantCase offset;
      offset.dtype = dtype;
      offset.y_dtype = y_dtype;
      offset.offset = dtype == SIMDNORM_F32 ? 1e4 : 100.0;
      offset.scale = 0.05f;
      offset.zero_point = y_dtype == SIMDNORM_S8 ? 0 : 100;
      Run(offset);
      QuantCase nan = offset;
      nan.offset = 0.0;
      nan.nan_row = true;
      Run(nan);
      QuantCase huge_scale = offset;
      huge_scale.offset = 0.0;
      huge_scale.scale = 1e30f;
      Run(huge_scale);
      // gamma / scale would overflow fp32: the division path.
      QuantCase tiny_scale = huge_scale;
      tiny_scale.scale = 1e-39f;
      Run(tiny_scale);
      QuantCase small_scale = huge_scale;  // folded, values far out of range
      small_scale.scale = 1e-30f;
      Run(small_scale);
      QuantCase long_row;
      long_row.dtype = dtype;
      long_row.y_dtype = y_dtype;
      long_row.rows = 2;
      long_row.cols = 65537;
      long_row.misalign = 3;
      Run(long_row);
    }
  }
}

TEST_P(QuantizedOutputTest, ResidualAndResidualBias) {
  for (const simdnorm_dtype dtype : kStorage) {
    for (const bool rms : {false, true}) {
      for (const int64_t cols : {5, 769}) {
        for (const bool residual : {false, true}) {
          for (const bool bias : {false, true}) {
            if (!residual && !bias) continue;
            QuantCase c;
            c.dtype = dtype;
            c.rms = rms;
            c.cols = cols;
            c.residual = residual;
            c.bias = bias;
            c.misalign = 1;
            Run(c);
          }
        }
      }
    }
  }
}

// The same bits with 1 and 2 threads and in slices.
TEST_P(QuantizedOutputTest, SameBitsForAnySplit) {
  const int64_t rows = 64, cols = 3000;
  const std::vector<float> x = RandomNormal(rows * cols, 0.5, 2.0, 21);
  std::vector<std::vector<int8_t>> results;
  for (const int threads : {1, 2}) {
    simdnorm::Context ctx = ctx_threads(threads);
    std::vector<int8_t> y(rows * cols);
    simdnorm_row_norm_args args;
    simdnorm_row_norm_args_init(&args);
    args.rows = rows;
    args.cols = cols;
    args.x = x.data();
    args.y = y.data();
    args.y_dtype = SIMDNORM_S8;
    args.y_scale = 0.03f;
    ASSERT_EQ(simdnorm_layer_norm(ctx.get(), &args), SIMDNORM_OK) << simdnorm_last_error();
    results.push_back(y);
    std::fill(y.begin(), y.end(), 0);
    for (int64_t r = 0; r < rows; r += 7) {
      ASSERT_EQ(simdnorm_layer_norm_slice(ctx.get(), &args, r, std::min(rows, r + 7)),
                SIMDNORM_OK);
    }
    results.push_back(y);
  }
  for (const auto& r : results) EXPECT_EQ(r, results[0]);
  RecordTargetRun(GetParam());
}

SIMDNORM_INSTANTIATE_FOR_TARGETS(QuantizedOutputTest);

TEST(QuantizedOutputErrors, AreRejectedWithoutWriting) {
  std::vector<float> x(8, 1.0f);
  std::vector<int8_t> y(8, 7);
  const auto attempt = [&](const auto& edit, simdnorm_status want, const char* text) {
    simdnorm_row_norm_args args;
    simdnorm_row_norm_args_init(&args);
    args.rows = 2;
    args.cols = 4;
    args.x = x.data();
    args.y = y.data();
    args.y_dtype = SIMDNORM_S8;
    edit(args);
    EXPECT_TRUE(FailedWith(simdnorm_layer_norm(nullptr, &args), want, text));
    EXPECT_EQ(y, std::vector<int8_t>(8, 7)) << "written on error: " << text;
  };
  attempt([](simdnorm_row_norm_args& a) { a.y_scale = 0.0f; },
          SIMDNORM_INVALID_ARGUMENT, "y_scale (0) must be finite and > 0");
  attempt([](simdnorm_row_norm_args& a) { a.y_scale = -1.0f; },
          SIMDNORM_INVALID_ARGUMENT, "y_scale");
  attempt([](simdnorm_row_norm_args& a) { a.y_scale = INFINITY; },
          SIMDNORM_INVALID_ARGUMENT, "y_scale");
  attempt([](simdnorm_row_norm_args& a) { a.y_scale = NAN; },
          SIMDNORM_INVALID_ARGUMENT, "y_scale");
  attempt([](simdnorm_row_norm_args& a) { a.y_zero_point = 128; },
          SIMDNORM_INVALID_ARGUMENT, "y_zero_point (128) must be in [-128, 127]");
  attempt(
      [](simdnorm_row_norm_args& a) {
        a.y_dtype = SIMDNORM_U8;
        a.y_zero_point = -1;
      },
      SIMDNORM_INVALID_ARGUMENT, "y_zero_point (-1) must be in [0, 255]");
  attempt([](simdnorm_row_norm_args& a) { a.y_dtype = SIMDNORM_BF16; },
          SIMDNORM_UNSUPPORTED, "y_dtype (1) must be");
  attempt([](simdnorm_row_norm_args& a) { a.y_dtype = static_cast<simdnorm_dtype>(99); },
          SIMDNORM_INVALID_ARGUMENT, "y_dtype (99) must be");
  attempt([](simdnorm_row_norm_args& a) { a.dtype = SIMDNORM_S8; },
          SIMDNORM_UNSUPPORTED, "is an output type only");
  // y over x: quantized output is never in place.
  attempt([&](simdnorm_row_norm_args& a) { a.y = const_cast<float*>(x.data()); },
          SIMDNORM_INVALID_ARGUMENT, "overlap");
  EXPECT_EQ(x, std::vector<float>(8, 1.0f));
}

}  // namespace
}  // namespace simdnorm_test
