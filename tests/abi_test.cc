// Args structs from older versions: any struct_size from that of 0.1.0 (the
// offset of the first field appended since) up to this version's is
// accepted, the fields it does not reach taking their defaults; smaller
// and larger sizes are errors that write nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "reference.h"
#include "simdnorm/simdnorm.hpp"
#include "target_harness.h"

namespace simdnorm_test {
namespace {

constexpr float kUntouched = -5.0f;

// A caller's struct of exactly `size` bytes: the first bytes of `args`
// (all of it if size is larger, then `filler` bytes), with struct_size set
// to `size`. Bytes that a field only partly covers are `filler` too.
template <class Args>
class SizedArgs {
 public:
  SizedArgs(const Args& args, size_t size, unsigned char filler)
      : bytes_(new unsigned char[size]) {
    std::memset(bytes_.get(), filler, size);
    std::memcpy(bytes_.get(), &args, std::min(size, sizeof(Args)) / 8 * 8);
    std::memcpy(bytes_.get() + offsetof(Args, struct_size), &size,
                sizeof(size));
  }
  const Args* get() const {
    return reinterpret_cast<const Args*>(bytes_.get());
  }

 private:
  std::unique_ptr<unsigned char[]> bytes_;  // new[]: aligned for Args
};

// x as [N, sample] with `gap` elements (NaN) between samples.
std::vector<float> Spread(const std::vector<float>& dense, int64_t n,
                          int64_t sample, int64_t gap) {
  std::vector<float> out((n - 1) * (sample + gap) + sample, std::nanf(""));
  for (int64_t i = 0; i < n; ++i) {
    std::copy_n(dense.data() + i * sample, sample,
                out.data() + i * (sample + gap));
  }
  return out;
}

// Runs `op` on `sized` and expects y == want, or (want empty) the struct
// size error and y untouched.
template <class Args, class Op>
void Expect(const Op& op, const SizedArgs<Args>& sized, size_t size,
            size_t oldest, std::vector<float>* y,
            const std::vector<float>& want) {
  SCOPED_TRACE("struct_size " + std::to_string(size));
  std::fill(y->begin(), y->end(), kUntouched);
  const simdnorm_status status = op(nullptr, sized.get());
  if (!want.empty()) {
    ASSERT_EQ(status, SIMDNORM_OK) << simdnorm_last_error();
    EXPECT_EQ(*y, want);
    return;
  }
  EXPECT_TRUE(FailedWith(status, SIMDNORM_INVALID_ARGUMENT,
                         "args.struct_size is " + std::to_string(size) +
                             ", expected " + std::to_string(oldest) + " to " +
                             std::to_string(sizeof(Args))));
  for (float v : *y) ASSERT_EQ(v, kUntouched) << "y written on error";
}

// Channel ops: 0.1.0 had no batch strides. `fill(args, x, y)` sets up a
// valid dense call; `op` runs it.
template <class Args, class Fill, class Op>
void CheckChannelArgs(const Fill& fill, const Op& op) {
  const int64_t n = 3, sample = 4 * 5;
  const size_t oldest = offsetof(Args, x_batch_stride);
  const std::vector<float> x = RandomNormal(n * sample, 1.0, 2.0, 5);
  std::vector<float> y(n * sample);
  Args args;
  fill(&args, x.data(), y.data());
  ASSERT_EQ(op(nullptr, &args), SIMDNORM_OK) << simdnorm_last_error();
  const std::vector<float> want = y;

  // Fields past the size are never read: garbage there is harmless.
  args.x_batch_stride = 12345;
  args.y_batch_stride = -1;
  for (const size_t size : {oldest, oldest + 4}) {
    for (const unsigned char filler : {0x00, 0xff}) {
      Expect(op, SizedArgs<Args>(args, size, filler), size, oldest, &y, want);
    }
  }
  // Up to x_batch_stride: a strided x, y dense by default.
  const std::vector<float> spread = Spread(x, n, sample, 3);
  args.x = spread.data();
  args.x_batch_stride = sample + 3;
  for (const size_t size : {oldest + 8, oldest + 12}) {
    Expect(op, SizedArgs<Args>(args, size, 0xff), size, oldest, &y, want);
  }
  // Too old, or from a later version.
  args.x = x.data();
  for (const size_t size : {oldest - 8, size_t{8}, sizeof(Args) + 8}) {
    Expect(op, SizedArgs<Args>(args, size, 0), size, oldest, &y, {});
  }
  // A struct of the version before quantized outputs: y_dtype (and its
  // scale) are not read, y is fp32 as that caller expects.
  args.x_batch_stride = 0;
  args.y_batch_stride = 0;
  args.y_dtype = SIMDNORM_S8;
  args.y_scale = 0.0f;  // would be an error if it were read
  const size_t before_quantized = offsetof(Args, y_dtype);
  for (const unsigned char filler : {0x00, 0xff}) {
    Expect(op, SizedArgs<Args>(args, before_quantized, filler),
           before_quantized, oldest, &y, want);
  }
}

TEST(AbiTest, GroupNormArgsFromOlderVersions) {
  for (const bool instance : {false, true}) {
    SCOPED_TRACE(instance ? "InstanceNorm" : "GroupNorm");
    CheckChannelArgs<simdnorm_group_norm_args>(
        [](simdnorm_group_norm_args* a, const float* x, float* y) {
          simdnorm_group_norm_args_init(a);
          a->batch = 3;
          a->channels = 4;
          a->spatial = 5;
          a->groups = 2;
          a->x = x;
          a->y = y;
        },
        instance ? &simdnorm_instance_norm : &simdnorm_group_norm);
  }
}

TEST(AbiTest, BatchNormArgsFromOlderVersions) {
  static float running_mean[4] = {0.5f, -1.0f, 0.0f, 2.0f};
  static float running_var[4] = {1.0f, 2.0f, 0.5f, 4.0f};
  for (const bool training : {false, true}) {
    SCOPED_TRACE(training ? "training" : "inference");
    CheckChannelArgs<simdnorm_batch_norm_args>(
        [](simdnorm_batch_norm_args* a, const float* x, float* y) {
          simdnorm_batch_norm_args_init(a);
          a->batch = 3;
          a->channels = 4;
          a->spatial = 5;
          a->x = x;
          a->y = y;
          a->running_mean = running_mean;
          a->running_var = running_var;
        },
        training ? &simdnorm_batch_norm_training
                 : &simdnorm_batch_norm_inference);
  }
}

// Row norms: 0.1.0 had no residual_bias.
TEST(AbiTest, RowNormArgsFromOlderVersions) {
  using Args = simdnorm_row_norm_args;
  const int64_t rows = 3, cols = 20;
  const size_t oldest = offsetof(Args, residual_bias);
  const std::vector<float> x = RandomNormal(rows * cols, 1.0, 2.0, 6);
  const std::vector<float> bias = RandomNormal(cols, 5.0, 1.0, 7);
  std::vector<float> y(rows * cols);
  for (const bool rms : {false, true}) {
    SCOPED_TRACE(rms ? "RMSNorm" : "LayerNorm");
    const auto op = rms ? &simdnorm_rms_norm : &simdnorm_layer_norm;
    Args args;
    simdnorm_row_norm_args_init(&args);
    args.rows = rows;
    args.cols = cols;
    args.x = x.data();
    args.y = y.data();
    ASSERT_EQ(op(nullptr, &args), SIMDNORM_OK) << simdnorm_last_error();
    const std::vector<float> without_bias = y;
    args.residual_bias = bias.data();
    ASSERT_EQ(op(nullptr, &args), SIMDNORM_OK) << simdnorm_last_error();
    const std::vector<float> with_bias = y;
    ASSERT_NE(with_bias, without_bias);
    // An old caller's struct ends before residual_bias: it is not read.
    for (const size_t size : {oldest, oldest + 4}) {
      for (const unsigned char filler : {0x00, 0xff}) {
        Expect(op, SizedArgs<Args>(args, size, filler), size, oldest, &y,
               without_bias);
      }
    }
    Expect(op, SizedArgs<Args>(args, sizeof(Args), 0), sizeof(Args), oldest, &y,
           with_bias);
    // A struct of the version before quantized outputs: y_dtype (and its
    // scale) are not read, y is fp32 as that caller expects.
    Args quantized = args;
    quantized.y_dtype = SIMDNORM_S8;
    quantized.y_scale = 0.0f;  // would be an error if it were read
    for (const unsigned char filler : {0x00, 0xff}) {
      Expect(op, SizedArgs<Args>(quantized, offsetof(Args, y_dtype), filler),
             offsetof(Args, y_dtype), oldest, &y, with_bias);
    }
    for (const size_t size : {oldest - 8, sizeof(Args) + 8}) {
      Expect(op, SizedArgs<Args>(args, size, 0), size, oldest, &y, {});
    }
  }
}

}  // namespace
}  // namespace simdnorm_test
