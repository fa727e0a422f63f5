// LayerNorm and RMSNorm against the float64 reference on every ISA target:
// sizes around the vector width, primes, strides, misaligned pointers, in
// place, residual input, statistics outputs, slices and thread counts.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "reference.h"
#include "reference_channels.h"
#include "target_harness.h"

namespace simdnorm_test {
namespace {

// fp32 result vs float64 reference: a few ulp of |y| plus the rounding of
// x - mean relative to the row's std.
constexpr double kAbsTol = 2e-5;
constexpr double kRelTol = 2e-5;

enum class Kind { kLayerNorm, kRmsNorm };

struct RowCase {
  Kind kind = Kind::kLayerNorm;
  int64_t rows = 3;
  int64_t cols = 1;
  int64_t x_stride = 0;  // 0 = cols
  int64_t y_stride = 0;
  size_t misalign = 0;  // floats past a 64-byte boundary
  bool affine = true;
  bool in_place = false;
  double offset = 0.0;
  double stddev = 1.0;
  uint32_t seed = 1;
};

class RowNormTest : public TargetTest {
 protected:
  // Runs one case and checks y (and the statistics) against the reference.
  void Check(const RowCase& c, const simdnorm::Context& context) {
    const int64_t xs = c.x_stride ? c.x_stride : c.cols;
    const int64_t ys = c.in_place ? xs : (c.y_stride ? c.y_stride : c.cols);
    Buffer x(c.rows * xs, c.misalign);
    x.Fill(RandomNormal(x.size(), c.offset, c.stddev, c.seed));
    const std::vector<float> x_copy(x.data(), x.data() + x.size());
    const std::vector<float> gamma = RandomNormal(c.cols, 1.0, 0.5, c.seed + 7);
    const std::vector<float> beta = RandomNormal(c.cols, 0.0, 0.5, c.seed + 9);
    Buffer y_buffer(c.rows * ys, (c.misalign + 3) % 16);
    float* y = c.in_place ? x.data() : y_buffer.data();
    std::vector<float> mean(c.rows), rstd(c.rows);

    simdnorm::RowNormArgs args;
    args.rows = c.rows;
    args.cols = c.cols;
    args.x_stride = c.x_stride;
    args.y_stride = c.in_place ? c.x_stride : c.y_stride;
    args.x = x.data();
    args.y = y;
    args.gamma = c.affine ? gamma.data() : nullptr;
    const bool layer = c.kind == Kind::kLayerNorm;
    args.beta = c.affine && layer ? beta.data() : nullptr;
    args.mean = layer ? mean.data() : nullptr;
    args.rstd = rstd.data();
    if (layer) {
      simdnorm::LayerNorm(args, &context);
    } else {
      simdnorm::RmsNorm(args, &context);
    }

    std::vector<double> ref, ref_mean, ref_rstd;
    const float* g = c.affine ? gamma.data() : nullptr;
    if (layer) {
      ReferenceLayerNorm(x_copy.data(), c.rows, c.cols, xs, g,
                         c.affine ? beta.data() : nullptr, args.eps, &ref,
                         &ref_mean, &ref_rstd);
    } else {
      ReferenceRmsNorm(x_copy.data(), c.rows, c.cols, xs, g, args.eps, &ref,
                       &ref_rstd);
    }
    EXPECT_TRUE(AllClose(y, ys, ref, c.rows, c.cols, kAbsTol, kRelTol))
        << "cols " << c.cols << " misalign " << c.misalign;
    for (int64_t r = 0; r < c.rows; ++r) {
      if (layer) {
        EXPECT_NEAR(mean[r], ref_mean[r], 1e-6 * (1 + std::fabs(ref_mean[r])));
      }
      EXPECT_NEAR(rstd[r], ref_rstd[r], 2e-6 * ref_rstd[r]);
    }
    EXPECT_TRUE(x.GuardIntact());
    EXPECT_TRUE(y_buffer.GuardIntact());
    if (!c.in_place) {  // x is read only
      EXPECT_EQ(0, std::memcmp(x.data(), x_copy.data(),
                               x_copy.size() * sizeof(float)));
    }
    // Padding between strided output rows is left alone.
    for (int64_t r = 0; r < c.rows && !c.in_place; ++r) {
      for (int64_t col = c.cols; col < ys; ++col) {
        ASSERT_EQ(y[r * ys + col], 0.0f) << "padding written";
      }
    }
  }

  void CheckBoth(RowCase c) {
    c.kind = Kind::kLayerNorm;
    Check(c, ctx());
    c.kind = Kind::kRmsNorm;
    Check(c, ctx());
  }
};

// Every width from 1 to past two vectors of the widest target (16 lanes),
// then primes and sizes that leave every kind of tail.
TEST_P(RowNormTest, SizesAroundVectorWidth) {
  for (int64_t cols = 1; cols <= 2 * 16 + 2; ++cols) {
    RowCase c;
    c.cols = cols;
    c.seed = static_cast<uint32_t>(cols);
    CheckBoth(c);
  }
}

TEST_P(RowNormTest, PrimesAndLargeRows) {
  for (int64_t cols : {61, 127, 509, 769, 4093, 4095, 4096, 65537}) {
    RowCase c;
    c.cols = cols;
    c.rows = cols > 10000 ? 2 : 5;
    c.seed = static_cast<uint32_t>(cols);
    CheckBoth(c);
  }
}

TEST_P(RowNormTest, WithoutAffine) {
  for (int64_t cols : {1, 17, 768}) {
    RowCase c;
    c.cols = cols;
    c.affine = false;
    CheckBoth(c);
  }
}

TEST_P(RowNormTest, MisalignedPointers) {
  for (size_t misalign = 1; misalign < 16; misalign += 3) {
    for (int64_t cols : {7, 33, 100}) {
      RowCase c;
      c.cols = cols;
      c.misalign = misalign;
      CheckBoth(c);
    }
  }
}

TEST_P(RowNormTest, Strides) {
  RowCase c;
  c.rows = 9;
  c.cols = 37;
  c.x_stride = 41;
  c.y_stride = 50;
  CheckBoth(c);
}

TEST_P(RowNormTest, InPlace) {
  for (int64_t cols : {1, 19, 1000}) {
    RowCase c;
    c.cols = cols;
    c.in_place = true;
    CheckBoth(c);
    c.x_stride = cols + 5;
    CheckBoth(c);
  }
}

TEST_P(RowNormTest, ManyRowsUseThreads) {
  RowCase c;
  c.rows = 600;
  c.cols = 768;
  CheckBoth(c);
  c.rows = 2;
  c.cols = 150001;  // split across threads when there are few rows
  CheckBoth(c);
}

// s = x + residual is normalized and stored to sum_out.
TEST_P(RowNormTest, ResidualAndSumOutput) {
  for (int64_t cols : {5, 64, 1001}) {
    for (bool store_sum : {false, true}) {
      for (Kind kind : {Kind::kLayerNorm, Kind::kRmsNorm}) {
        const int64_t rows = 4;
        const auto x = RandomNormal(rows * cols, 0.0, 1.0, 3);
        const auto res = RandomNormal(rows * cols, 2.0, 1.0, 4);
        std::vector<float> sum(rows * cols), y(rows * cols);
        simdnorm::RowNormArgs args;
        args.rows = rows;
        args.cols = cols;
        args.x = x.data();
        args.residual = res.data();
        args.sum_out = store_sum ? sum.data() : nullptr;
        args.y = y.data();
        if (kind == Kind::kLayerNorm) {
          simdnorm::LayerNorm(args, &ctx());
        } else {
          simdnorm::RmsNorm(args, &ctx());
        }
        std::vector<float> s(rows * cols);
        for (size_t i = 0; i < s.size(); ++i) s[i] = x[i] + res[i];
        std::vector<double> ref;
        if (kind == Kind::kLayerNorm) {
          ReferenceLayerNorm(s.data(), rows, cols, cols, nullptr, nullptr,
                             args.eps, &ref, nullptr, nullptr);
        } else {
          ReferenceRmsNorm(s.data(), rows, cols, cols, nullptr, args.eps, &ref,
                           nullptr);
        }
        EXPECT_TRUE(AllClose(y.data(), cols, ref, rows, cols, kAbsTol, kRelTol));
        if (store_sum) {
          EXPECT_EQ(s, sum);
        }
      }
    }
  }
}

// Residual with the sum written over x itself (a common runtime pattern).
TEST_P(RowNormTest, SumOutputInPlaceOfX) {
  const int64_t rows = 3, cols = 333;
  auto x = RandomNormal(rows * cols, 0.0, 1.0, 5);
  const auto res = RandomNormal(rows * cols, 0.0, 1.0, 6);
  std::vector<float> s(rows * cols), y(rows * cols);
  for (size_t i = 0; i < s.size(); ++i) s[i] = x[i] + res[i];
  simdnorm::RowNormArgs args;
  args.rows = rows;
  args.cols = cols;
  args.x = x.data();
  args.residual = res.data();
  args.sum_out = x.data();
  args.y = y.data();
  simdnorm::LayerNorm(args, &ctx());
  EXPECT_EQ(x, s);
  std::vector<double> ref;
  ReferenceLayerNorm(s.data(), rows, cols, cols, nullptr, nullptr, args.eps,
                     &ref, nullptr, nullptr);
  EXPECT_TRUE(AllClose(y.data(), cols, ref, rows, cols, kAbsTol, kRelTol));
}

// A slice computes exactly the rows of the full call.
TEST_P(RowNormTest, SliceMatchesFullCall) {
  const int64_t rows = 10, cols = 129;
  const auto x = RandomNormal(rows * cols, 1.0, 2.0, 8);
  std::vector<float> full(rows * cols), sliced(rows * cols, -1.0f);
  simdnorm::RowNormArgs args;
  args.rows = rows;
  args.cols = cols;
  args.x = x.data();
  args.y = full.data();
  simdnorm::LayerNorm(args, &ctx());
  args.y = sliced.data();
  simdnorm::Check(simdnorm_layer_norm_slice(raw(), &args, 0, 3));
  simdnorm::Check(simdnorm_layer_norm_slice(raw(), &args, 3, 3));
  simdnorm::Check(simdnorm_layer_norm_slice(raw(), &args, 3, rows));
  EXPECT_EQ(full, sliced);

  std::vector<float> rms_full(rows * cols), rms_slice(rows * cols, -1.0f);
  args.y = rms_full.data();
  simdnorm::RmsNorm(args, &ctx());
  args.y = rms_slice.data();
  simdnorm::Check(simdnorm_rms_norm_slice(raw(), &args, 0, 7));
  simdnorm::Check(simdnorm_rms_norm_slice(raw(), &args, 7, rows));
  EXPECT_EQ(rms_full, rms_slice);
}

// Fixed chunking and merge order: the same bits for any thread count,
// including the shapes that split one row across threads.
TEST_P(RowNormTest, BitIdenticalAcrossThreadCounts) {
  struct Shape {
    int64_t rows, cols;
  };
  for (const Shape s : {Shape{600, 768}, Shape{1, 200003}, Shape{3, 70000}}) {
    const auto x = RandomNormal(s.rows * s.cols, 5.0, 3.0, 11);
    const auto gamma = RandomNormal(s.cols, 1.0, 0.1, 12);
    std::vector<std::vector<float>> outputs;
    for (int threads : {1, 2, 8}) {
      const simdnorm::Context c = ctx_threads(threads);
      for (Kind kind : {Kind::kLayerNorm, Kind::kRmsNorm}) {
        std::vector<float> y(x.size()), rstd(s.rows);
        simdnorm::RowNormArgs args;
        args.rows = s.rows;
        args.cols = s.cols;
        args.x = x.data();
        args.y = y.data();
        args.gamma = gamma.data();
        args.rstd = rstd.data();
        if (kind == Kind::kLayerNorm) {
          simdnorm::LayerNorm(args, &c);
        } else {
          simdnorm::RmsNorm(args, &c);
        }
        y.insert(y.end(), rstd.begin(), rstd.end());
        outputs.push_back(std::move(y));
      }
    }
    for (size_t i = 2; i < outputs.size(); ++i) {
      EXPECT_TRUE(outputs[i] == outputs[i % 2])
          << s.rows << "x" << s.cols << ": output " << i << " differs";
    }
  }
}

// Non-temporal stores (outputs of at least stream_bytes) give the same bits
// as ordinary stores, also with a y that is not vector-aligned and strided.
TEST_P(RowNormTest, StreamingStoresMatchOrdinaryStores) {
  const int64_t rows = 37, cols = 1029, y_stride = 1031;
  const auto x = RandomNormal(rows * cols, 2.0, 3.0, 13);
  const auto gamma = RandomNormal(cols, 1.0, 0.3, 14);
  for (bool rms : {false, true}) {
    std::vector<std::vector<float>> outputs;
    for (int64_t stream_bytes : {int64_t{1} << 50, int64_t{4096}}) {
      simdnorm::Context c = ctx_threads(2);
      simdnorm::TileParams params;
      params.stream_bytes = stream_bytes;
      c.set_tile_params(rms ? SIMDNORM_OP_RMS_NORM : SIMDNORM_OP_LAYER_NORM,
                        SIMDNORM_NCHW, cols, &params);
      Buffer y(rows * y_stride, 3);  // 12 bytes past a 64-byte boundary
      simdnorm::RowNormArgs args;
      args.rows = rows;
      args.cols = cols;
      args.x = x.data();
      args.y = y.data();
      args.y_stride = y_stride;
      args.gamma = gamma.data();
      if (rms) {
        simdnorm::RmsNorm(args, &c);
      } else {
        simdnorm::LayerNorm(args, &c);
      }
      EXPECT_TRUE(y.GuardIntact());
      outputs.emplace_back(y.data(), y.data() + y.size());
    }
    EXPECT_TRUE(outputs[0] == outputs[1]) << (rms ? "RMSNorm" : "LayerNorm");
  }
}

// Rows that need the rescaled pass (huge, tiny, NaN) between ordinary rows
// of a many-row call: the full call equals row-by-row slices bit for bit.
TEST_P(RowNormTest, RescaledRowsAmongOrdinaryRows) {
  const int64_t rows = 40, cols = 96;
  auto x = RandomNormal(rows * cols, 0.0, 1.0, 15);
  for (int64_t c = 0; c < cols; ++c) {
    x[5 * cols + c] *= 1e30f;
    x[17 * cols + c] *= 1e-30f;
  }
  x[23 * cols + 7] = std::numeric_limits<float>::quiet_NaN();
  for (bool rms : {false, true}) {
    std::vector<float> full(x.size()), sliced(x.size());
    simdnorm::RowNormArgs args;
    args.rows = rows;
    args.cols = cols;
    args.eps = 0.0f;
    args.x = x.data();
    args.y = full.data();
    if (rms) {
      simdnorm::RmsNorm(args, &ctx());
    } else {
      simdnorm::LayerNorm(args, &ctx());
    }
    args.y = sliced.data();
    for (int64_t r = 0; r < rows; ++r) {
      simdnorm::Check(rms ? simdnorm_rms_norm_slice(raw(), &args, r, r + 1)
                          : simdnorm_layer_norm_slice(raw(), &args, r, r + 1));
    }
    EXPECT_EQ(0, std::memcmp(full.data(), sliced.data(),
                             full.size() * sizeof(float)));
    for (int64_t c = 0; c < cols; ++c) {
      ASSERT_TRUE(std::isnan(full[23 * cols + c]));
      ASSERT_TRUE(std::isfinite(full[5 * cols + c]));
      ASSERT_TRUE(std::isfinite(full[17 * cols + c]));
    }
  }
}

// Rows without a residual take a whole-row kernel; with one, the per-row
// path of the ops layer. Adding a zero residual changes no value, so both
// paths must give the same bits (which keeps results independent of the
// thread count whatever the tuning of split and chunk sizes). Rows
// narrower than a vector are the exception: without a residual they run
// one row per lane and add a row's values in column order (never split,
// so thread counts and tuning cannot change them either).
TEST_P(RowNormTest, WholeRowKernelMatchesPerRowPath) {
  for (int64_t cols : {1, 7, 64, 100, 768, 4096, 5000, 40000}) {
    if (cols > 1 && cols < LanesOfTarget(GetParam())) continue;
    const int64_t rows = 11;
    const auto x = RandomNormal(rows * cols, 3.0, 2.0, 17);
    const std::vector<float> zeros(x.size(), 0.0f);
    const auto gamma = RandomNormal(cols, 1.0, 0.3, 18);
    const auto beta = RandomNormal(cols, 0.0, 0.3, 19);
    for (bool rms : {false, true}) {
      std::vector<std::vector<float>> outputs;
      for (bool residual : {false, true}) {
        std::vector<float> y(x.size()), mean(rows), rstd(rows);
        simdnorm::RowNormArgs args;
        args.rows = rows;
        args.cols = cols;
        args.x = x.data();
        args.y = y.data();
        args.gamma = gamma.data();
        args.beta = rms ? nullptr : beta.data();
        args.residual = residual ? zeros.data() : nullptr;
        args.mean = rms ? nullptr : mean.data();
        args.rstd = rstd.data();
        if (rms) {
          simdnorm::RmsNorm(args, &ctx());
        } else {
          simdnorm::LayerNorm(args, &ctx());
        }
        y.insert(y.end(), mean.begin(), mean.end());
        y.insert(y.end(), rstd.begin(), rstd.end());
        outputs.push_back(std::move(y));
      }
      EXPECT_TRUE(outputs[0] == outputs[1])
          << (rms ? "RMSNorm" : "LayerNorm") << " cols " << cols;
    }
  }
}

TEST_P(RowNormTest, ZeroRowsIsANoOp) {
  simdnorm::RowNormArgs args;
  args.rows = 0;
  args.cols = 8;
  EXPECT_EQ(simdnorm_layer_norm(raw(), &args), SIMDNORM_OK);
  EXPECT_EQ(simdnorm_rms_norm(raw(), &args), SIMDNORM_OK);
}

SIMDNORM_INSTANTIATE_FOR_TARGETS(RowNormTest);

}  // namespace
}  // namespace simdnorm_test
