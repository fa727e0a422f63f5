// Non-temporal stores in the channel ops (outputs of at least stream_bytes
// per thread), and the read-ahead of the next unit's statistics (x and y
// beyond stream_bytes), give the same bits as ordinary stores and unit by
// unit statistics, for every op, layout and target, with misaligned
// outputs and a fused activation.
#include <gtest/gtest.h>

#include <vector>

#include "op_args.h"
#include "reference.h"
#include "target_harness.h"

namespace simdnorm_test {
namespace {

class ChannelStreamingTest : public TargetTest {
 protected:
  // A context on this target whose `op` entry for units of `unit_elems`
  // streams from `stream_bytes` on (and reduces in chunks of chunk_elems).
  simdnorm::Context StreamingContext(simdnorm_op op, simdnorm_layout layout,
                                     int64_t unit_elems, int64_t stream_bytes,
                                     int threads,
                                     int64_t chunk_elems = 32768) const {
    simdnorm::Context c = ctx_threads(threads);
    simdnorm::TileParams params;
    params.stream_bytes = stream_bytes;
    params.chunk_elems = chunk_elems;
    c.set_tile_params(op, layout, unit_elems, &params);
    return c;
  }
};

constexpr int64_t kNeverStream = int64_t{1} << 50;

// Short units, and units of several chunks and normalize pieces (channels
// of 3000 in chunks of 1024).
struct StreamingShape {
  int64_t N, C, S, G, chunk_elems;
};
constexpr StreamingShape kGroupShapes[] = {{3, 24, 37 * 5, 6, 32768},
                                           {3, 8, 3000, 2, 1024}};

TEST_P(ChannelStreamingTest, GroupAndInstanceNorm) {
  for (const StreamingShape& sh : kGroupShapes) {
    const int64_t N = sh.N, C = sh.C, S = sh.S, G = sh.G;
    const auto x = RandomNormal(N * C * S, 1.0, 2.0, 101);
    const auto gamma = RandomNormal(C, 1.0, 0.3, 102);
    const auto beta = RandomNormal(C, 0.0, 0.3, 103);
    for (simdnorm_layout layout : {SIMDNORM_NCHW, SIMDNORM_NHWC}) {
      for (bool instance : {false, true}) {
        for (int threads : {1, 2}) {
          const simdnorm_op op =
              instance ? SIMDNORM_OP_INSTANCE_NORM : SIMDNORM_OP_GROUP_NORM;
          const int64_t unit = instance ? S : C / G * S;
          std::vector<std::vector<float>> outputs;
          for (int64_t stream_bytes : {kNeverStream, int64_t{4096}}) {
            const simdnorm::Context c = StreamingContext(
                op, layout, unit, stream_bytes, threads, sh.chunk_elems);
            Buffer y(x.size(), 5);
            auto a = ChannelArgs<simdnorm::GroupNormArgs>(N, C, S, layout,
                                                          x.data(), y.data());
            a.activation = SIMDNORM_ACT_SILU;
            a.groups = G;
            a.gamma = gamma.data();
            a.beta = beta.data();
            if (instance) {
              simdnorm::InstanceNorm(a, &c);
            } else {
              simdnorm::GroupNorm(a, &c);
            }
            EXPECT_TRUE(y.GuardIntact());
            outputs.emplace_back(y.data(), y.data() + y.size());
          }
          EXPECT_TRUE(outputs[0] == outputs[1])
              << (instance ? "InstanceNorm " : "GroupNorm ")
              << (layout == SIMDNORM_NHWC ? "NHWC" : "NCHW") << " S " << S
              << ", threads " << threads;
        }
      }
    }
  }
}

// Empty slices on the read-ahead path read and write nothing: x is sized
// exactly (a read past it is what AddressSanitizer builds catch) and y
// keeps its sentinel, for every empty range from the first unit to one
// past the last.
TEST_P(ChannelStreamingTest, EmptySlicesReadNothing) {
  const StreamingShape sh = kGroupShapes[1];
  const int64_t units = sh.N * sh.G;
  const auto x = RandomNormal(sh.N * sh.C * sh.S, 1.0, 2.0, 121);
  for (int64_t stream_bytes : {kNeverStream, int64_t{4096}}) {
    const simdnorm::Context c =
        StreamingContext(SIMDNORM_OP_GROUP_NORM, SIMDNORM_NCHW,
                         sh.C / sh.G * sh.S, stream_bytes, 1, sh.chunk_elems);
    const std::vector<float> sentinel(x.size(), 12345.0f);
    std::vector<float> y = sentinel;
    auto a = ChannelArgs<simdnorm::GroupNormArgs>(
        sh.N, sh.C, sh.S, SIMDNORM_NCHW, x.data(), y.data());
    a.groups = sh.G;
    for (int64_t u = 0; u <= units; ++u) {
      ASSERT_EQ(simdnorm_group_norm_slice(c.get(), &a, u, u), SIMDNORM_OK)
          << simdnorm_last_error();
    }
    EXPECT_TRUE(y == sentinel);
  }
}

// Short spans (read in memory order), and channels of spans of two chunks
// (normalized right after their statistics).
constexpr StreamingShape kBatchShapes[] = {{4, 20, 9 * 11, 0, 32768},
                                           {3, 5, 1500, 0, 1024}};

TEST_P(ChannelStreamingTest, BatchNorm) {
  for (const StreamingShape& sh : kBatchShapes) {
    const int64_t N = sh.N, C = sh.C, S = sh.S;
    const auto x = RandomNormal(N * C * S, -1.0, 3.0, 111);
    const auto gamma = RandomNormal(C, 1.0, 0.3, 112);
    const auto beta = RandomNormal(C, 0.0, 0.3, 113);
    for (simdnorm_layout layout : {SIMDNORM_NCHW, SIMDNORM_NHWC}) {
      for (bool training : {false, true}) {
        for (int threads : {1, 2}) {
          const simdnorm_op op = training ? SIMDNORM_OP_BATCH_NORM_TRAINING
                                          : SIMDNORM_OP_BATCH_NORM_INFERENCE;
          std::vector<std::vector<float>> outputs;
          for (int64_t stream_bytes : {kNeverStream, int64_t{4096}}) {
            const simdnorm::Context c = StreamingContext(
                op, layout, N * S, stream_bytes, threads, sh.chunk_elems);
            Buffer y(x.size(), 7);
            std::vector<float> running_mean(C, 0.5f), running_var(C, 2.0f);
            auto a = ChannelArgs<simdnorm::BatchNormArgs>(N, C, S, layout,
                                                          x.data(), y.data());
            a.activation = SIMDNORM_ACT_RELU;
            a.gamma = gamma.data();
            a.beta = beta.data();
            a.running_mean = running_mean.data();
            a.running_var = running_var.data();
            a.update_running_stats = training;
            if (training) {
              simdnorm::BatchNormTraining(a, &c);
            } else {
              simdnorm::BatchNormInference(a, &c);
            }
            EXPECT_TRUE(y.GuardIntact());
            outputs.emplace_back(y.data(), y.data() + y.size());
            outputs.back().insert(outputs.back().end(), running_var.begin(),
                                  running_var.end());
          }
          EXPECT_TRUE(outputs[0] == outputs[1])
              << (training ? "training " : "inference ")
              << (layout == SIMDNORM_NHWC ? "NHWC" : "NCHW") << " S " << S
              << ", threads " << threads;
        }
      }
    }
  }
}

SIMDNORM_INSTANTIATE_FOR_TARGETS(ChannelStreamingTest);

}  // namespace
}  // namespace simdnorm_test
