// Results do not depend on where the buffers sit: every op, layout and
// target gives the same bits for x and y at any float offset from a 64-byte
// boundary (each with its own), in place, with and without streaming
// stores, on 1 and 2 threads. Shapes cover rows and channel counts below,
// at and above a vector, and prime lengths.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "reference.h"
#include "target_harness.h"

namespace simdnorm_test {
namespace {

enum class Kind { kLayerNorm, kRmsNorm, kGroupNorm, kInstanceNorm,
                  kBatchNormInference, kBatchNormTraining };

struct Shape {
  Kind kind;
  simdnorm_layout layout;
  int64_t n, c, s, groups;  // row norms: rows = n, cols = c
};

std::string Describe(const Shape& k) {
  static const char* const kNames[] = {"LayerNorm", "RMSNorm", "GroupNorm",
                                       "InstanceNorm", "BatchNormInference",
                                       "BatchNormTraining"};
  return std::string(kNames[static_cast<int>(k.kind)]) +
         (k.layout == SIMDNORM_NHWC ? " NHWC " : " NCHW ") +
         std::to_string(k.n) + "x" + std::to_string(k.c) + "x" +
         std::to_string(k.s) + " G" + std::to_string(k.groups);
}

simdnorm_op OpOf(Kind kind) {
  switch (kind) {
    case Kind::kLayerNorm: return SIMDNORM_OP_LAYER_NORM;
    case Kind::kRmsNorm: return SIMDNORM_OP_RMS_NORM;
    case Kind::kGroupNorm: return SIMDNORM_OP_GROUP_NORM;
    case Kind::kInstanceNorm: return SIMDNORM_OP_INSTANCE_NORM;
    case Kind::kBatchNormInference: return SIMDNORM_OP_BATCH_NORM_INFERENCE;
    case Kind::kBatchNormTraining: break;
  }
  return SIMDNORM_OP_BATCH_NORM_TRAINING;
}

bool IsRowNorm(Kind kind) {
  return kind == Kind::kLayerNorm || kind == Kind::kRmsNorm;
}

int64_t UnitElems(const Shape& k) {
  if (IsRowNorm(k.kind)) return k.c;
  if (k.kind == Kind::kGroupNorm) return k.c / k.groups * k.s;
  if (k.kind == Kind::kInstanceNorm) return k.s;
  return k.n * k.s;
}

class AlignmentTest : public TargetTest {
 protected:
  // The op on x (copied to x_misalign floats past a 64-byte boundary), into
  // y at y_misalign (or in place); returns y, then mean/rstd or the updated
  // running statistics.
  std::vector<float> Run(const Shape& k, const simdnorm::Context& c,
                         size_t x_misalign, size_t y_misalign,
                         bool in_place) const {
    const size_t count = static_cast<size_t>(k.n * k.c * k.s);
    const auto values = RandomNormal(count, 3.0, 2.0, 7);
    const auto gamma = RandomNormal(static_cast<size_t>(k.c), 1.0, 0.3, 8);
    const auto beta = RandomNormal(static_cast<size_t>(k.c), 0.0, 0.3, 9);
    Buffer x(count, x_misalign), y(count, y_misalign);
    x.Fill(values);
    float* out = in_place ? x.data() : y.data();
    std::vector<float> stats(2 * static_cast<size_t>(k.n * k.c), -1.0f);
    if (IsRowNorm(k.kind)) {
      simdnorm::RowNormArgs a;
      a.rows = k.n;
      a.cols = k.c;
      a.x = x.data();
      a.y = out;
      a.gamma = gamma.data();
      a.rstd = stats.data();
      if (k.kind == Kind::kLayerNorm) {
        a.beta = beta.data();
        a.mean = stats.data() + k.n;
        simdnorm::LayerNorm(a, &c);
      } else {
        simdnorm::RmsNorm(a, &c);
      }
    } else if (k.kind == Kind::kGroupNorm || k.kind == Kind::kInstanceNorm) {
      simdnorm::GroupNormArgs a;
      a.layout = k.layout;
      a.activation = SIMDNORM_ACT_SILU;
      a.batch = k.n;
      a.channels = k.c;
      a.spatial = k.s;
      a.groups = k.groups;
      a.x = x.data();
      a.y = out;
      a.gamma = gamma.data();
      a.beta = beta.data();
      a.mean = stats.data();
      a.rstd = stats.data() + k.n * k.c;
      if (k.kind == Kind::kGroupNorm) {
        simdnorm::GroupNorm(a, &c);
      } else {
        simdnorm::InstanceNorm(a, &c);
      }
    } else {
      std::vector<float> running(2 * static_cast<size_t>(k.c), 0.5f);
      for (int64_t i = 0; i < k.c; ++i) running[k.c + i] = 2.0f + 0.01f * i;
      simdnorm::BatchNormArgs a;
      a.layout = k.layout;
      a.activation = SIMDNORM_ACT_RELU;
      a.batch = k.n;
      a.channels = k.c;
      a.spatial = k.s;
      a.x = x.data();
      a.y = out;
      a.gamma = gamma.data();
      a.beta = beta.data();
      a.running_mean = running.data();
      a.running_var = running.data() + k.c;
      if (k.kind == Kind::kBatchNormTraining) {
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
    std::vector<float> result(out, out + count);
    result.insert(result.end(), stats.begin(), stats.end());
    return result;
  }

  // A context on this target with `threads` whose entry for k streams
  // from stream_bytes on.
  simdnorm::Context ContextFor(const Shape& k, int threads,
                               int64_t stream_bytes) const {
    simdnorm::Context c = ctx_threads(threads);
    simdnorm::TileParams params;
    params.stream_bytes = stream_bytes;
    c.set_tile_params(OpOf(k.kind), k.layout, UnitElems(k), &params);
    return c;
  }

  void ExpectSameBitsAtEveryOffset(const Shape& k) {
    SCOPED_TRACE(Describe(k));
    const std::vector<float> want = Run(k, ctx(), 0, 0, false);
    // Float offsets from a 64-byte boundary: 4, 16, 36 and 60 bytes, ...
    const size_t pairs[][2] = {{1, 1}, {4, 4}, {9, 9}, {15, 15},
                               {4, 0}, {0, 4}, {1, 15}, {3, 7}};
    for (const int threads : {1, 2}) {
      for (const int64_t stream_bytes : {int64_t{4096}, int64_t{1} << 50}) {
        const simdnorm::Context c = ContextFor(k, threads, stream_bytes);
        for (const auto& p : pairs) {
          const std::vector<float> got = Run(k, c, p[0], p[1], false);
          ASSERT_EQ(std::memcmp(want.data(), got.data(),
                                want.size() * sizeof(float)),
                    0)
              << "x +" << p[0] << " floats, y +" << p[1] << " floats, "
              << threads << " threads, stream_bytes " << stream_bytes;
        }
        const std::vector<float> in_place = Run(k, c, 4, 0, true);
        ASSERT_EQ(std::memcmp(want.data(), in_place.data(),
                              want.size() * sizeof(float)),
                  0)
            << "in place at +4 floats, " << threads << " threads";
      }
    }
  }
};

TEST_P(AlignmentTest, RowNorms) {
  for (Kind kind : {Kind::kLayerNorm, Kind::kRmsNorm}) {
    for (int64_t cols : {1, 7, 15, 16, 17, 64, 131, 768, 4099}) {
      ExpectSameBitsAtEveryOffset({kind, SIMDNORM_NCHW, 5, cols, 1, 1});
    }
  }
}

TEST_P(AlignmentTest, GroupAndInstanceNorm) {
  for (simdnorm_layout layout : {SIMDNORM_NCHW, SIMDNORM_NHWC}) {
    for (const auto& cs : {std::pair<int64_t, int64_t>{3, 49},
                           {20, 7}, {20, 100}, {64, 49}, {24, 37}}) {
      const int64_t c = cs.first, s = cs.second;
      const int64_t groups = c % 4 == 0 ? 4 : 1;
      ExpectSameBitsAtEveryOffset({Kind::kGroupNorm, layout, 2, c, s, groups});
      ExpectSameBitsAtEveryOffset({Kind::kInstanceNorm, layout, 2, c, s, c});
    }
  }
}

TEST_P(AlignmentTest, BatchNorm) {
  for (Kind kind : {Kind::kBatchNormInference, Kind::kBatchNormTraining}) {
    for (simdnorm_layout layout : {SIMDNORM_NCHW, SIMDNORM_NHWC}) {
      for (const auto& cs : {std::pair<int64_t, int64_t>{3, 49},
                             {20, 7}, {64, 1}, {17, 100}, {64, 49}}) {
        ExpectSameBitsAtEveryOffset({kind, layout, 3, cs.first, cs.second, 1});
      }
    }
  }
}

SIMDNORM_INSTANTIATE_FOR_TARGETS(AlignmentTest);

}  // namespace
}  // namespace simdnorm_test
