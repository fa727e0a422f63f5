// Channel ops on views of larger tensors along N (x_batch_stride,
// y_batch_stride): the same bits as on dense copies, nothing written
// between the samples, in place with equal strides; on every target, on
// the inline, parallel and split paths.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "op_cases.h"
#include "target_harness.h"

namespace simdnorm_test {
namespace {

class BatchStrideTest : public TargetTest {
 protected:
  // A context on this target whose entry for k cuts the work small, so
  // that even these shapes take the parallel and split paths.
  simdnorm::Context SmallTileContext(const OpShape& k, int threads) const {
    simdnorm::Context c = ctx_threads(threads);
    const simdnorm::TileParams params = simdnorm_test::SmallTiles();
    c.set_tile_params(k.op, k.layout, UnitElems(k), &params);
    return c;
  }
};

TEST_P(BatchStrideTest, StridedViewsGiveTheDenseBits) {
  struct Dims {
    int64_t n, c, s, groups;
  };
  const Dims dims[] = {{3, 5, 7, 5},    {1, 8, 300, 2}, {4, 16, 1, 4},
                       {2, 24, 37, 4},  {5, 3, 1000, 1}};
  Placement strided[5];
  strided[0].x_gap = 3;
  strided[1].y_gap = 5;
  strided[2].x_gap = 13;
  strided[2].y_gap = 1;
  strided[3].x_gap = 16;
  strided[3].y_gap = 16;
  strided[3].y_misalign = 3;
  strided[4].x_gap = 7;
  strided[4].in_place = true;
  for (const simdnorm_op op : kChannelOps) {
    for (const simdnorm_layout layout : {SIMDNORM_NCHW, SIMDNORM_NHWC}) {
      for (const Dims& d : dims) {
        const int64_t groups = op == SIMDNORM_OP_GROUP_NORM      ? d.groups
                               : op == SIMDNORM_OP_INSTANCE_NORM ? d.c
                                                                 : 1;
        const OpShape k{op, layout, d.n, d.c, d.s, groups};
        for (const int threads : {1, 2}) {
          SCOPED_TRACE(Describe(k) + ", " + std::to_string(threads) +
                       " threads");
          const simdnorm::Context c = SmallTileContext(k, threads);
          const std::vector<float> want = RunOp(k, c);
          for (const Placement& p : strided) {
            const std::vector<float> got = RunOp(k, c, p);
            ASSERT_EQ(got.size(), want.size());
            EXPECT_EQ(std::memcmp(got.data(), want.data(),
                                  want.size() * sizeof(float)),
                      0)
                << "x gap " << p.x_gap << ", y gap " << p.y_gap
                << (p.in_place ? ", in place" : "");
          }
        }
      }
    }
  }
}

SIMDNORM_INSTANTIATE_FOR_TARGETS(BatchStrideTest);

}  // namespace
}  // namespace simdnorm_test
