// Results do not depend on where the buffers sit: every op, layout and
// target gives the same bits for x and y at any float offset from a 64-byte
// boundary (each with its own), in place, with and without streaming
// stores, on 1 and 2 threads. Shapes cover rows and channel counts below,
// at and above a vector, and prime lengths.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "op_cases.h"
#include "target_harness.h"

namespace simdnorm_test {
namespace {

class AlignmentTest : public TargetTest {
 protected:
  // The op on x at x_misalign floats past a 64-byte boundary, into y at
  // y_misalign (or in place).
  std::vector<float> Run(const OpShape& k, const simdnorm::Context& c,
                         size_t x_misalign, size_t y_misalign,
                         bool in_place) const {
    Placement placement;
    placement.x_misalign = x_misalign;
    placement.y_misalign = y_misalign;
    placement.in_place = in_place;
    return RunOp(k, c, placement, values_);
  }

  // A context on this target with `threads` whose entry for k streams
  // from stream_bytes on.
  simdnorm::Context ContextFor(const OpShape& k, int threads,
                               int64_t stream_bytes) const {
    simdnorm::Context c = ctx_threads(threads);
    simdnorm::TileParams params;
    params.stream_bytes = stream_bytes;
    c.set_tile_params(k.op, k.layout, UnitElems(k), &params);
    return c;
  }

  // Both kinds of values: the order-sensitive ones show a change in the
  // order of any addition (e.g. of lanes in a reduction).
  void ExpectSameBitsAtEveryOffset(const OpShape& k) {
    for (const OpValues values :
         {OpValues::kNormal, OpValues::kOrderSensitive}) {
      values_ = values;
      SCOPED_TRACE(values == OpValues::kNormal ? "N(3, 2) values"
                                               : "order-sensitive values");
      ExpectSameBitsAtEveryOffsetOf(k);
    }
  }

  void ExpectSameBitsAtEveryOffsetOf(const OpShape& k) {
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

  OpValues values_ = OpValues::kNormal;
};

TEST_P(AlignmentTest, RowNorms) {
  for (simdnorm_op kind : {SIMDNORM_OP_LAYER_NORM, SIMDNORM_OP_RMS_NORM}) {
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
      ExpectSameBitsAtEveryOffset(
          {SIMDNORM_OP_GROUP_NORM, layout, 2, c, s, groups});
      ExpectSameBitsAtEveryOffset(
          {SIMDNORM_OP_INSTANCE_NORM, layout, 2, c, s, c});
    }
  }
}

TEST_P(AlignmentTest, BatchNorm) {
  for (simdnorm_op kind :
       {SIMDNORM_OP_BATCH_NORM_INFERENCE, SIMDNORM_OP_BATCH_NORM_TRAINING}) {
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
