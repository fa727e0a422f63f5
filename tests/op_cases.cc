#include "op_cases.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "reference.h"

namespace simdnorm_test {
namespace {

constexpr float kUntouched = -777.0f;

// Views of `count` samples of `sample` elements, `stride` apart.
int64_t Extent(int64_t count, int64_t sample, int64_t stride) {
  return count == 0 ? 0 : (count - 1) * stride + sample;
}

// The fields GroupNorm and BatchNorm args share.
template <class Args>
void SetChannelArgs(const OpShape& k, simdnorm_activation act, const float* x,
                    float* y, int64_t x_batch_stride, int64_t y_batch_stride,
                    const float* gamma, const float* beta, Args* a) {
  a->layout = k.layout;
  a->activation = act;
  a->batch = k.n;
  a->channels = k.c;
  a->spatial = k.s;
  a->x = x;
  a->y = y;
  a->x_batch_stride = x_batch_stride;
  a->y_batch_stride = y_batch_stride;
  a->gamma = gamma;
  a->beta = beta;
}

}  // namespace

std::string Describe(const OpShape& k) {
  static const char* const kNames[] = {"LayerNorm", "RMSNorm", "GroupNorm",
                                       "InstanceNorm", "BatchNormInference",
                                       "BatchNormTraining"};
  return std::string(kNames[static_cast<int>(k.op)]) +
         (k.layout == SIMDNORM_NHWC ? " NHWC " : " NCHW ") +
         std::to_string(k.n) + "x" + std::to_string(k.c) + "x" +
         std::to_string(k.s) + " G" + std::to_string(k.groups);
}

bool IsRowNorm(simdnorm_op op) {
  return op == SIMDNORM_OP_LAYER_NORM || op == SIMDNORM_OP_RMS_NORM;
}

int64_t UnitElems(const OpShape& k) {
  if (IsRowNorm(k.op)) return k.c;
  if (k.op == SIMDNORM_OP_GROUP_NORM) return k.c / k.groups * k.s;
  if (k.op == SIMDNORM_OP_INSTANCE_NORM) return k.s;
  return k.n * k.s;
}

simdnorm::TileParams SmallTiles() {
  simdnorm::TileParams p;
  p.inline_bytes = 1;
  p.task_bytes = 4096;
  p.chunk_elems = 1024;
  p.split_elems = 1024;
  p.spatial_tile = 8;
  return p;
}

std::vector<float> RunOp(const OpShape& k, const simdnorm::Context& c,
                         const Placement& pl, OpValues kind) {
  const bool row = IsRowNorm(k.op);
  const int64_t sample = row ? k.c : k.c * k.s;
  const int64_t x_stride = sample + pl.x_gap;
  const int64_t y_stride = pl.in_place ? x_stride : sample + pl.y_gap;
  const size_t count = static_cast<size_t>(k.n * sample);
  std::vector<float> values;
  if (kind == OpValues::kNormal) {
    values = RandomNormal(count, 3.0, 2.0, 7);
  } else {
    values = RandomNormal(count, 0.0, 1.0, 10);
    std::mt19937 rng(11);
    for (float& v : values) v += (rng() & 1) ? 1000.0f : -1000.0f;
  }
  const auto gamma = RandomNormal(static_cast<size_t>(k.c), 1.0, 0.3, 8);
  const auto beta = RandomNormal(static_cast<size_t>(k.c), 0.0, 0.3, 9);
  // Gaps of x hold NaN: a value read from them would poison the results.
  Buffer x(Extent(k.n, sample, x_stride), pl.x_misalign);
  Buffer y(Extent(k.n, sample, y_stride), pl.y_misalign);
  for (size_t i = 0; i < x.size(); ++i) {
    x.data()[i] = std::numeric_limits<float>::quiet_NaN();
  }
  for (size_t i = 0; i < y.size(); ++i) y.data()[i] = kUntouched;
  for (int64_t n = 0; n < k.n; ++n) {
    std::copy_n(values.data() + n * sample, sample, x.data() + n * x_stride);
  }
  float* out = pl.in_place ? x.data() : y.data();
  // 0 when there is no gap: the default stride.
  const int64_t x_stride_arg = pl.x_gap ? x_stride : 0;
  const int64_t y_stride_arg =
      pl.in_place ? x_stride_arg : (pl.y_gap ? y_stride : 0);
  std::vector<float> stats(2 * static_cast<size_t>(k.n * k.c), -1.0f);
  if (row) {
    simdnorm::RowNormArgs a;
    a.rows = k.n;
    a.cols = k.c;
    a.x = x.data();
    a.y = out;
    a.x_stride = x_stride_arg;
    a.y_stride = y_stride_arg;
    a.gamma = gamma.data();
    a.rstd = stats.data();
    if (k.op == SIMDNORM_OP_LAYER_NORM) {
      a.beta = beta.data();
      a.mean = stats.data() + k.n;
      simdnorm::LayerNorm(a, &c);
    } else {
      simdnorm::RmsNorm(a, &c);
    }
  } else if (k.op == SIMDNORM_OP_GROUP_NORM ||
             k.op == SIMDNORM_OP_INSTANCE_NORM) {
    simdnorm::GroupNormArgs a;
    SetChannelArgs(k, SIMDNORM_ACT_SILU, x.data(), out, x_stride_arg,
                   y_stride_arg, gamma.data(), beta.data(), &a);
    a.groups = k.groups;
    a.mean = stats.data();
    a.rstd = stats.data() + k.n * k.c;
    if (k.op == SIMDNORM_OP_GROUP_NORM) {
      simdnorm::GroupNorm(a, &c);
    } else {
      simdnorm::InstanceNorm(a, &c);
    }
  } else {
    std::vector<float> running(2 * static_cast<size_t>(k.c), 0.5f);
    for (int64_t i = 0; i < k.c; ++i) running[k.c + i] = 2.0f + 0.01f * i;
    simdnorm::BatchNormArgs a;
    SetChannelArgs(k, SIMDNORM_ACT_RELU, x.data(), out, x_stride_arg,
                   y_stride_arg, gamma.data(), beta.data(), &a);
    a.running_mean = running.data();
    a.running_var = running.data() + k.c;
    if (k.op == SIMDNORM_OP_BATCH_NORM_TRAINING) {
      a.update_running_stats = 1;
      a.batch_mean = stats.data();
      a.batch_rstd = stats.data() + k.c;
      simdnorm::BatchNormTraining(a, &c);
    } else {
      simdnorm::BatchNormInference(a, &c);
    }
    stats.insert(stats.end(), running.begin(), running.end());
  }
  EXPECT_TRUE(x.GuardIntact() && y.GuardIntact()) << "write past the end";
  const int64_t out_stride = pl.in_place ? x_stride : y_stride;
  std::vector<float> result;
  for (int64_t n = 0; n < k.n; ++n) {
    const float* s = out + n * out_stride;
    result.insert(result.end(), s, s + sample);
    for (int64_t i = sample; n + 1 < k.n && i < out_stride; ++i) {
      // In place, the gaps are x's (NaN).
      EXPECT_TRUE(pl.in_place ? std::isnan(s[i]) : s[i] == kUntouched)
          << "gap written after sample " << n;
    }
  }
  result.insert(result.end(), stats.begin(), stats.end());
  return result;
}

}  // namespace simdnorm_test
