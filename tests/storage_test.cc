// LayerNorm and RMSNorm with bf16 and fp16 storage, on every ISA target,
// against a float64 reference computed from the stored (converted) inputs.
//
// Bound: each output within half an ulp of its type at the reference
// value (rounded once, to nearest), plus the fp32 contract's absolute
// tolerance (statistics and the normalize are fp32: their error can move a
// value across a rounding boundary, and an output much smaller than its
// row's scale carries fp32's absolute error, which can exceed the 16-bit
// type's ulp at that tiny magnitude). Conversions: half_reference.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "half_reference.h"
#include "op_args.h"
#include "reference.h"
#include "reference_channels.h"
#include "simdnorm/simdnorm.h"
#include "target_harness.h"

namespace simdnorm_test {
namespace {

constexpr double kAbsTol = 2e-5;  // the fp32 contract (row_norm_test.cc)
constexpr double kStatTol = 2e-5;

enum class Data { kNormal, kOffset, kConstantRow, kHuge, kTiny, kNonFinite };

const char* DataName(Data d) {
  switch (d) {
    case Data::kNormal: return "normal";
    case Data::kOffset: return "offset";
    case Data::kConstantRow: return "constant_row";
    case Data::kHuge: return "huge";
    case Data::kTiny: return "tiny";
    default: return "nonfinite";
  }
}

// Values stored as `dtype`.
std::vector<uint16_t> NarrowAll(const std::vector<float>& values, simdnorm_dtype dtype) {
  std::vector<uint16_t> out(values.size());
  for (size_t i = 0; i < values.size(); ++i) out[i] = Narrow(values[i], dtype);
  return out;
}

// Arguments of a contiguous rows x cols call on 16-bit x and y.
simdnorm_row_norm_args StoredRowArgs(simdnorm_dtype dtype, int64_t rows, int64_t cols,
                                     const uint16_t* x, uint16_t* y) {
  simdnorm_row_norm_args args;
  simdnorm_row_norm_args_init(&args);
  args.dtype = dtype;
  args.rows = rows;
  args.cols = cols;
  args.x = x;
  args.y = y;
  return args;
}

// Values as fp32, before they are stored (and rounded) as `dtype`.
std::vector<float> MakeData(Data kind, simdnorm_dtype dtype, int64_t rows,
                            int64_t cols, uint32_t seed) {
  const size_t n = static_cast<size_t>(rows * cols);
  const bool bf16 = dtype == SIMDNORM_BF16;
  switch (kind) {
    case Data::kNormal: return RandomNormal(n, 0.0, 1.0, seed);
    case Data::kOffset:  // a large mean: the pivot keeps it exact
      return RandomNormal(n, bf16 ? 1e4 : 1000.0, bf16 ? 100.0 : 4.0, seed);
    case Data::kConstantRow: {
      auto v = RandomNormal(n, 0.5, 1.0, seed);
      std::fill(v.begin(), v.begin() + cols, 3.25f);  // row 0 constant
      return v;
    }
    case Data::kHuge: {
      // Squares overflow fp32 (bf16) or come near fp16's largest value:
      // the sum of squares must not overflow.
      auto v = RandomNormal(n, 0.0, 1.0, seed);
      for (float& f : v) f = std::clamp(f, -3.0f, 3.0f) * (bf16 ? 1e37f : 20000.0f);
      return v;
    }
    case Data::kTiny: {
      auto v = RandomNormal(n, 0.0, 1.0, seed);
      // bf16: around 1e-36; fp16: subnormals (below 6.1e-5).
      for (float& f : v) f *= bf16 ? 1e-36f : 2e-6f;
      return v;
    }
    default: {
      auto v = RandomNormal(n, 0.0, 1.0, seed);
      v[static_cast<size_t>(cols / 2)] = std::numeric_limits<float>::quiet_NaN();
      if (rows > 2) v[static_cast<size_t>(2 * cols)] = std::numeric_limits<float>::infinity();
      return v;
    }
  }
}

struct Case {
  simdnorm_dtype dtype;
  bool rms;
  int64_t rows;
  int64_t cols;
  Data data;
  size_t x_misalign = 0;
  size_t y_misalign = 0;
  bool in_place = false;
  simdnorm_dtype param_dtype = SIMDNORM_F32;  // gamma/beta given in this type
  bool params = true;
  bool residual = false;  // with sum_out
  bool sum_in_place = false;  // sum_out == x, y == residual
  bool bias = false;  // residual_bias (in param_dtype), with sum_out
  float eps = 1e-5f;

  std::string Describe() const {
    return std::string(DtypeName(dtype)) + (rms ? " RMSNorm " : " LayerNorm ") +
           std::to_string(rows) + "x" + std::to_string(cols) + " " + DataName(data) +
           " misalign " + std::to_string(x_misalign) + "/" + std::to_string(y_misalign) +
           (in_place ? " in place" : "") + (params ? " params " : " no params") +
           (params ? (param_dtype == SIMDNORM_F32 ? "f32" : "stored") : "") +
           (residual ? (sum_in_place ? " residual, sum_out = x" : " residual") : "") +
           (bias ? " residual_bias" : "");
  }
};

// Worst error seen per (dtype) over the whole suite, in ulps of the type
// (outputs of at least 2^-6 in magnitude), printed at the end.
struct UlpRecord {
  double max_ulps[3] = {0, 0, 0};
};
UlpRecord& Record() {
  static UlpRecord r;
  return r;
}

class StorageTest : public TargetTest {
 protected:
  void Run(const Case& c) {
    SCOPED_TRACE(c.Describe() + " on " + GetParam());
    const int64_t n = c.rows * c.cols;
    const auto values = MakeData(c.data, c.dtype, c.rows, c.cols, 7u + static_cast<uint32_t>(c.cols));
    HalfBuffer x(static_cast<size_t>(n), c.x_misalign);
    HalfBuffer y(static_cast<size_t>(n), c.y_misalign);
    HalfBuffer residual(static_cast<size_t>(n), 5);
    HalfBuffer sum(static_cast<size_t>(n), 3);
    std::vector<float> stored(static_cast<size_t>(n)), res_stored(static_cast<size_t>(n));
    const auto res_values = RandomNormal(static_cast<size_t>(n), 0.0, 0.5, 99);
    for (int64_t i = 0; i < n; ++i) {
      x.data()[i] = Narrow(values[i], c.dtype);
      stored[i] = Widen(x.data()[i], c.dtype);
      residual.data()[i] = Narrow(res_values[i], c.dtype);
      res_stored[i] = Widen(residual.data()[i], c.dtype);
    }
    // Parameters: fp32, or stored as dtype (the reference uses the stored
    // values either way).
    const auto g_values = RandomNormal(static_cast<size_t>(c.cols), 1.0, 0.25, 3);
    const auto b_values = RandomNormal(static_cast<size_t>(c.cols), 0.0, 0.5, 4);
    const auto bias_values = RandomNormal(static_cast<size_t>(c.cols), 2.0, 1.0, 5);
    std::vector<float> g32(g_values.size()), b32(b_values.size()), bias32(b_values.size());
    std::vector<uint16_t> g16(g_values.size()), b16(b_values.size()), bias16(b_values.size());
    const bool narrow_params = c.param_dtype != SIMDNORM_F32;
    for (size_t i = 0; i < g_values.size(); ++i) {
      g16[i] = Narrow(g_values[i], c.dtype);
      b16[i] = Narrow(b_values[i], c.dtype);
      bias16[i] = Narrow(bias_values[i], c.dtype);
      g32[i] = narrow_params ? Widen(g16[i], c.dtype) : g_values[i];
      b32[i] = narrow_params ? Widen(b16[i], c.dtype) : b_values[i];
      bias32[i] = narrow_params ? Widen(bias16[i], c.dtype) : bias_values[i];
    }
    // Reference input: s = (x + residual) + residual_bias in fp32, as the
    // library adds.
    std::vector<float> s(stored);
    for (int64_t i = 0; i < n; ++i) {
      if (c.residual) s[i] = stored[i] + res_stored[i];
      if (c.bias) s[i] += bias32[static_cast<size_t>(i % c.cols)];
    }
    std::vector<double> ref, ref_mean, ref_rstd;
    const float* gamma = c.params ? g32.data() : nullptr;
    const float* beta = c.params && !c.rms ? b32.data() : nullptr;
    if (c.rms) {
      ReferenceRmsNorm(s.data(), c.rows, c.cols, c.cols, gamma, c.eps, &ref, &ref_rstd);
    } else {
      ReferenceLayerNorm(s.data(), c.rows, c.cols, c.cols, gamma, beta, c.eps, &ref, &ref_mean,
                         &ref_rstd);
    }

    simdnorm_row_norm_args args;
    simdnorm_row_norm_args_init(&args);
    args.dtype = c.dtype;
    args.rows = c.rows;
    args.cols = c.cols;
    args.eps = c.eps;
    args.x = x.data();
    uint16_t* y_ptr = c.in_place ? x.data() : y.data();
    args.y = y_ptr;
    args.param_dtype = c.param_dtype;
    if (c.bias) {
      args.residual_bias =
          narrow_params ? static_cast<const void*>(bias16.data()) : bias32.data();
      args.sum_out = sum.data();
    }
    if (c.params) {
      const bool narrow = c.param_dtype != SIMDNORM_F32;
      args.gamma = narrow ? static_cast<const void*>(g16.data()) : g32.data();
      if (!c.rms) args.beta = narrow ? static_cast<const void*>(b16.data()) : b32.data();
    }
    uint16_t* sum_ptr = sum.data();
    if (c.residual) {
      args.residual = residual.data();
      if (c.sum_in_place) {
        sum_ptr = x.data();
        y_ptr = residual.data();
        args.y = y_ptr;
      }
      args.sum_out = sum_ptr;
    }
    std::vector<float> mean(static_cast<size_t>(c.rows)), rstd(static_cast<size_t>(c.rows));
    if (!c.rms) args.mean = mean.data();
    args.rstd = rstd.data();
    const simdnorm_status status =
        c.rms ? simdnorm_rms_norm(raw(), &args) : simdnorm_layer_norm(raw(), &args);
    ASSERT_EQ(status, SIMDNORM_OK) << simdnorm_last_error();
    EXPECT_TRUE(x.GuardIntact() && y.GuardIntact() && residual.GuardIntact() &&
                sum.GuardIntact())
        << "write past the end";

    // The contract for non-finite inputs: such a row is NaN throughout
    // (the reference would give 0 * Inf or 0 for some of it).
    for (int64_t r = 0; r < c.rows; ++r) {
      bool finite = true;
      for (int64_t j = 0; j < c.cols; ++j) finite = finite && std::isfinite(s[r * c.cols + j]);
      if (finite) continue;
      ref_rstd[r] = std::numeric_limits<double>::quiet_NaN();
      for (int64_t j = 0; j < c.cols; ++j) ref[r * c.cols + j] = ref_rstd[r];
    }
    double& record = Record().max_ulps[c.dtype];
    int reported = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double want = ref[i];
      const float got = Widen(y_ptr[i], c.dtype);
      if (std::isnan(want)) {
        if (!std::isnan(got) && reported++ < 5) ADD_FAILURE() << "y[" << i << "] = " << got << ", want NaN";
        continue;
      }
      const double err = std::fabs(double{got} - want);
      const double ulp = UlpAt(want, c.dtype);
      if (std::fabs(want) >= 0x1p-6) record = std::max(record, err / ulp);
      if (!(err <= 0.5 * ulp + kAbsTol) && reported++ < 5) {
        ADD_FAILURE() << "y[" << i << "] = " << got << ", want " << want << " (" << err / ulp
                      << " ulps)";
      }
    }
    if (c.residual || c.bias) {  // the sum, rounded once
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t want = Narrow(s[i], c.dtype);
        if (sum_ptr[i] != want && reported++ < 5) {
          ADD_FAILURE() << "sum_out[" << i << "] bits " << sum_ptr[i] << ", want " << want;
        }
      }
    }
    for (int64_t r = 0; r < c.rows; ++r) {
      const double want_rstd = ref_rstd[r];
      if (std::isnan(want_rstd)) {
        EXPECT_TRUE(std::isnan(rstd[r])) << "row " << r;
        continue;
      }
      EXPECT_NEAR(rstd[r], want_rstd, kStatTol * std::fabs(want_rstd)) << "rstd of row " << r;
      if (!c.rms && std::isfinite(ref_mean[r])) {
        EXPECT_NEAR(mean[r], ref_mean[r], kStatTol * (std::fabs(ref_mean[r]) + 1.0 / want_rstd))
            << "mean of row " << r;
      }
    }
    RecordTargetRun(GetParam());
  }
};

constexpr simdnorm_dtype kTypes[] = {SIMDNORM_BF16, SIMDNORM_F16};

TEST_P(StorageTest, OddSizesAndAlignments) {
  const int64_t sizes[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65,
                           127, 129, 1000, 4095, 4097};
  const size_t misaligns[][2] = {{0, 0}, {1, 3}, {8, 8}, {3, 0}};
  for (const simdnorm_dtype dtype : kTypes) {
    for (const bool rms : {false, true}) {
      for (const int64_t cols : sizes) {
        for (const auto& m : misaligns) {
          Case c{dtype, rms, 5, cols, Data::kNormal};
          c.x_misalign = m[0];
          c.y_misalign = m[1];
          Run(c);
        }
      }
    }
  }
}

TEST_P(StorageTest, LongRowsAndChunks) {
  for (const simdnorm_dtype dtype : kTypes) {
    for (const bool rms : {false, true}) {
      Case c{dtype, rms, 2, 65537, Data::kNormal};
      c.x_misalign = 1;
      Run(c);
    }
  }
}

TEST_P(StorageTest, AdversarialValues) {
  const Data kinds[] = {Data::kOffset, Data::kConstantRow, Data::kHuge, Data::kTiny,
                        Data::kNonFinite};
  for (const simdnorm_dtype dtype : kTypes) {
    for (const bool rms : {false, true}) {
      for (const Data kind : kinds) {
        for (const int64_t cols : {int64_t{7}, int64_t{64}, int64_t{1000}}) {
          Case c{dtype, rms, 4, cols, kind};
          if (kind == Data::kTiny) c.eps = 0.0f;
          Run(c);
        }
      }
    }
  }
}

TEST_P(StorageTest, InPlaceParamsAndResidual) {
  for (const simdnorm_dtype dtype : kTypes) {
    for (const bool rms : {false, true}) {
      for (const int64_t cols : {int64_t{5}, int64_t{48}, int64_t{769}}) {
        Case in_place{dtype, rms, 3, cols, Data::kNormal};
        in_place.in_place = true;
        in_place.x_misalign = 1;
        Run(in_place);
        Case stored_params{dtype, rms, 3, cols, Data::kOffset};
        stored_params.param_dtype = dtype;
        Run(stored_params);
        Case no_params{dtype, rms, 3, cols, Data::kNormal};
        no_params.params = false;
        Run(no_params);
        Case residual{dtype, rms, 3, cols, Data::kNormal};
        residual.residual = true;
        Run(residual);
        Case sum_in_place = residual;
        sum_in_place.sum_in_place = true;
        Run(sum_in_place);
      }
    }
  }
}

// residual_bias (ONNX Runtime's SkipLayerNormalization) with 16-bit storage:
// s = (x + residual) + bias in fp32 is normalized unrounded and rounded
// once into sum_out; bias in fp32 or the storage type, with or without a
// residual, in place.
TEST_P(StorageTest, ResidualBias) {
  for (const simdnorm_dtype dtype : kTypes) {
    for (const bool rms : {false, true}) {
      for (const int64_t cols : {int64_t{1}, int64_t{17}, int64_t{769}}) {
        for (const bool residual : {false, true}) {
          for (const simdnorm_dtype param_dtype : {SIMDNORM_F32, dtype}) {
            Case c{dtype, rms, 4, cols, Data::kOffset};
            c.bias = true;
            c.residual = residual;
            c.param_dtype = param_dtype;
            c.x_misalign = 1;
            Run(c);
          }
        }
        Case in_place{dtype, rms, 3, cols, Data::kNormal};
        in_place.bias = true;
        in_place.in_place = true;
        Run(in_place);
      }
    }
  }
}

// The sum of x and residual is rounded to the storage type only in
// sum_out: y is formed from the exact fp32 sum (checked by Run against a
// reference of the unrounded sum), with or without sum_out.
TEST_P(StorageTest, ResidualSumIsRoundedOnce) {
  for (const simdnorm_dtype dtype : kTypes) {
    Case c{dtype, false, 3, 4095, Data::kOffset};
    c.residual = true;
    Run(c);
  }
}

TEST_P(StorageTest, TwoThreadsGiveTheSameBits) {
  for (const simdnorm_dtype dtype : kTypes) {
    const int64_t rows = 64, cols = 3000;
    const auto x = NarrowAll(RandomNormal(static_cast<size_t>(rows * cols), 2.0, 3.0, 11), dtype);
    std::vector<uint16_t> y1(x.size()), y2(x.size());
    simdnorm_row_norm_args args = StoredRowArgs(dtype, rows, cols, x.data(), y1.data());
    const simdnorm::Context one = ctx_threads(1), two = ctx_threads(2);
    ASSERT_EQ(simdnorm_layer_norm(one.get(), &args), SIMDNORM_OK) << simdnorm_last_error();
    args.y = y2.data();
    ASSERT_EQ(simdnorm_layer_norm(two.get(), &args), SIMDNORM_OK) << simdnorm_last_error();
    EXPECT_EQ(y1, y2) << DtypeName(dtype);
  }
}

// Rows narrower than a vector: contiguous rows take lane permutations for
// whole groups of rows, strided ones scalar copies. Both must give the
// same bits, for every storage type, whole and partial groups, rows that
// end a call early (huge values: the rescaling path), NaN/Inf, in place.
TEST_P(StorageTest, NarrowRowsContiguousMatchStrided) {
  const int64_t lanes = LanesOfTarget(GetParam());
  const int64_t rows = 2 * lanes + 5;
  constexpr int64_t kPad = 3;
  for (const simdnorm_dtype dtype : {SIMDNORM_F32, SIMDNORM_BF16, SIMDNORM_F16}) {
    const size_t bytes = dtype == SIMDNORM_F32 ? 4 : 2;
    for (int64_t cols = 1; cols < lanes; ++cols) {
      for (const Data kind : {Data::kNormal, Data::kHuge, Data::kNonFinite}) {
        for (const bool rms : {false, true}) {
          const std::vector<float> values = MakeData(kind, dtype, rows, cols, 31);
          const auto gamma = RandomNormal(static_cast<size_t>(cols), 1.0, 0.3, 32);
          const auto beta = RandomNormal(static_cast<size_t>(cols), 0.0, 0.3, 33);
          // x stored at row stride `stride` (elements).
          const auto stored = [&](int64_t stride) {
            std::vector<unsigned char> x(static_cast<size_t>(rows * stride) * bytes);
            for (int64_t r = 0; r < rows; ++r) {
              for (int64_t j = 0; j < cols; ++j) {
                const float v = values[static_cast<size_t>(r * cols + j)];
                unsigned char* at = x.data() + static_cast<size_t>(r * stride + j) * bytes;
                if (dtype == SIMDNORM_F32) {
                  std::memcpy(at, &v, 4);
                } else {
                  const uint16_t h = Narrow(v, dtype);
                  std::memcpy(at, &h, 2);
                }
              }
            }
            return x;
          };
          // y (dense rows), then mean and rstd, as bytes.
          const auto run = [&](int64_t stride, bool in_place) {
            std::vector<unsigned char> x = stored(stride);
            std::vector<unsigned char> y(x.size());
            std::vector<float> mean(static_cast<size_t>(rows)), rstd(mean.size());
            auto a = RowArgs(dtype, rows, cols, x.data(),
                             in_place ? x.data() : y.data());
            a.x_stride = a.y_stride = stride;
            a.gamma = gamma.data();
            a.beta = rms ? nullptr : beta.data();
            a.mean = rms ? nullptr : mean.data();
            a.rstd = rstd.data();
            EXPECT_EQ(SIMDNORM_OK, rms ? simdnorm_rms_norm(raw(), &a)
                                       : simdnorm_layer_norm(raw(), &a))
                << simdnorm_last_error();
            const std::vector<unsigned char>& out = in_place ? x : y;
            std::vector<unsigned char> result;
            for (int64_t r = 0; r < rows; ++r) {
              const unsigned char* row = out.data() + static_cast<size_t>(r * stride) * bytes;
              result.insert(result.end(), row, row + cols * static_cast<int64_t>(bytes));
            }
            const auto* m = reinterpret_cast<const unsigned char*>(mean.data());
            const auto* s = reinterpret_cast<const unsigned char*>(rstd.data());
            result.insert(result.end(), m, m + mean.size() * sizeof(float));
            result.insert(result.end(), s, s + rstd.size() * sizeof(float));
            return result;
          };
          const auto strided = run(cols + kPad, false);
          EXPECT_TRUE(run(cols, false) == strided)
              << DtypeName(dtype) << " cols " << cols << " " << DataName(kind)
              << (rms ? " RMSNorm" : " LayerNorm");
          EXPECT_TRUE(run(cols, true) == strided)
              << DtypeName(dtype) << " cols " << cols << " " << DataName(kind)
              << (rms ? " RMSNorm" : " LayerNorm") << " in place";
        }
      }
    }
  }
  RecordTargetRun(GetParam());
}

// fp32 gamma holding NaNs whose payload fills the low 16 bits (which
// rounding to nearest even would carry into the exponent and sign) or sits
// only there (which truncation would turn into Inf): each such column of y
// is NaN in every row, and every other column is finite.
TEST_P(StorageTest, NaNParametersStayNaNWhenNarrowed) {
  const uint32_t kNaNs[] = {0x7FFFFFFFu, 0xFFFFFFFFu, 0x7FBFFFFFu,
                            0x7F800001u, 0xFFC00001u, 0x7FC0FFFFu};
  constexpr int64_t kRows = 3;
  for (const simdnorm_dtype dtype : kTypes) {
    for (const bool rms : {false, true}) {
      for (const int64_t cols : {int64_t{7}, int64_t{64}, int64_t{1000}}) {
        std::vector<float> gamma(static_cast<size_t>(cols), 1.5f);
        std::vector<bool> nan_col(static_cast<size_t>(cols), false);
        for (size_t k = 0; k < sizeof(kNaNs) / sizeof(kNaNs[0]); ++k) {
          const size_t col = k * static_cast<size_t>(cols / 6);
          std::memcpy(&gamma[col], &kNaNs[k], sizeof(float));
          nan_col[col] = true;
        }
        const std::vector<float> beta(static_cast<size_t>(cols), 0.25f);
        const auto x =
            NarrowAll(RandomNormal(static_cast<size_t>(kRows * cols), 0.0, 1.0, 17), dtype);
        std::vector<uint16_t> y(x.size());
        simdnorm_row_norm_args a = StoredRowArgs(dtype, kRows, cols, x.data(), y.data());
        a.gamma = gamma.data();
        if (!rms) a.beta = beta.data();
        ASSERT_EQ(SIMDNORM_OK, rms ? simdnorm_rms_norm(raw(), &a) : simdnorm_layer_norm(raw(), &a))
            << simdnorm_last_error();
        int reported = 0;
        for (size_t i = 0; i < y.size(); ++i) {
          const bool want_nan = nan_col[i % static_cast<size_t>(cols)];
          const float got = Widen(y[i], dtype);
          if (std::isnan(got) != want_nan && reported++ < 5) {
            ADD_FAILURE() << DtypeName(dtype) << (rms ? " RMSNorm" : " LayerNorm") << " cols "
                          << cols << ": y[" << i << "] = " << got << " (bits 0x" << std::hex
                          << y[i] << std::dec << "), want " << (want_nan ? "NaN" : "finite");
          }
        }
      }
    }
  }
  RecordTargetRun(GetParam());
}

SIMDNORM_INSTANTIATE_FOR_TARGETS(StorageTest);

// A caller built against the struct before param_dtype existed: its
// struct_size ends before the field, whatever lies there is ignored and
// gamma/beta are read as fp32.
TEST(StorageAbiTest, OlderArgsReadParametersAsF32) {
  const int64_t cols = 16;
  std::vector<uint16_t> x(cols), y(cols);
  for (int64_t i = 0; i < cols; ++i) x[i] = Narrow(static_cast<float>(i), SIMDNORM_BF16);
  std::vector<float> gamma(cols, 2.0f);
  simdnorm_row_norm_args args;
  simdnorm_row_norm_args_init(&args);
  args.struct_size = offsetof(simdnorm_row_norm_args, param_dtype);
  args.param_dtype = static_cast<simdnorm_dtype>(77);  // beyond struct_size
  args.reserved = 5;
  args.dtype = SIMDNORM_BF16;
  args.rows = 1;
  args.cols = cols;
  args.x = x.data();
  args.y = y.data();
  args.gamma = gamma.data();
  ASSERT_EQ(simdnorm_layer_norm(nullptr, &args), SIMDNORM_OK) << simdnorm_last_error();
  // Values 0..15: mean 7.5, std sqrt(21.25); y = 2 (x - mean) rstd.
  const double rstd = 1.0 / std::sqrt(21.25 + 1e-5);
  for (int64_t i = 0; i < cols; ++i) {
    const double want = 2.0 * (i - 7.5) * rstd;
    EXPECT_NEAR(Widen(y[i], SIMDNORM_BF16), want, UlpAt(want, SIMDNORM_BF16)) << i;
  }
}

class StorageReport : public ::testing::Environment {
 public:
  void TearDown() override {
    const UlpRecord& r = Record();
    if (r.max_ulps[SIMDNORM_BF16] > 0 || r.max_ulps[SIMDNORM_F16] > 0) {
      std::printf("storage: max error of y (|y| >= 2^-6) bf16 %.3f ulp, f16 %.3f ulp\n",
                  r.max_ulps[SIMDNORM_BF16], r.max_ulps[SIMDNORM_F16]);
    }
  }
};
const auto* const kStorageReport = ::testing::AddGlobalTestEnvironment(new StorageReport);

}  // namespace
}  // namespace simdnorm_test
