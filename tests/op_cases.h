// Every op of the library behind one call, for the suites that check a
// property of all of them (same bits at any alignment, with strided views,
// with a runtime's parallel runner): deterministic inputs, the outputs
// gathered into one vector to compare bit for bit.
#ifndef SIMDNORM_TESTS_OP_CASES_H_
#define SIMDNORM_TESTS_OP_CASES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "simdnorm/simdnorm.hpp"

namespace simdnorm_test {

constexpr simdnorm_op kChannelOps[] = {
    SIMDNORM_OP_GROUP_NORM, SIMDNORM_OP_INSTANCE_NORM,
    SIMDNORM_OP_BATCH_NORM_INFERENCE, SIMDNORM_OP_BATCH_NORM_TRAINING};

// One problem. Row norms: rows = n, cols = c (layout, s and groups unused).
struct OpShape {
  simdnorm_op op;
  simdnorm_layout layout;
  int64_t n, c, s, groups;
};

std::string Describe(const OpShape& k);
bool IsRowNorm(simdnorm_op op);
// Elements of one unit of the op's tuning bucket (see simdnorm_tile_params).
int64_t UnitElems(const OpShape& k);

// Small tile parameters: the parallel and split paths (one unit cut into
// chunks or tiles across tasks) even for small shapes.
simdnorm::TileParams SmallTiles();

// Where x and y sit in memory.
struct Placement {
  size_t x_misalign = 0;  // floats past a 64-byte boundary
  size_t y_misalign = 0;
  bool in_place = false;  // y = x (same view)
  // Elements left between samples (rows for row norms): the view is taken
  // with a batch stride (row stride) of C * S + gap (cols + gap). 0 passes
  // the default stride, 0.
  int64_t x_gap = 0;
  int64_t y_gap = 0;
};

// What x holds.
enum class OpValues {
  kNormal,  // N(3, 2)
  // +-1000 with N(0, 1) added: the rounding of fp32 sums of these depends
  // on the order of the additions, and it shows in the statistics and
  // in y, so that two results agree bit for bit only if every value was
  // added in the same order.
  kOrderSensitive,
};

// Runs the op on ctx (random x, gamma, beta, SiLU or ReLU for the channel
// ops) and returns y packed densely, then the statistics it writes (mean,
// rstd, updated running statistics). Fails the test if anything outside
// y's view was written.
std::vector<float> RunOp(const OpShape& k, const simdnorm::Context& ctx,
                         const Placement& placement = Placement(),
                         OpValues values = OpValues::kNormal);

}  // namespace simdnorm_test

#endif  // SIMDNORM_TESTS_OP_CASES_H_
