#include "ops/row_bias.h"

#include <algorithm>
#include <vector>

#include "common/contract.h"
#include "ops/partition.h"
#include "runtime/parallel.h"

namespace simdnorm::internal {
namespace {

// Bytes of s formed per block and per thread: small enough that s is still
// in L2 when the row norm reads it back.
constexpr int64_t kBlockBytesPerThread = 1 << 20;
// Values of s formed per piece: a long row is formed in several pieces.
constexpr int64_t kPieceElems = 16384;
// Bytes moved per value formed: x, residual and bias read, s written.
constexpr int64_t kFormBytes = 4 * sizeof(float);

// s[0, n) = (x + residual) + bias, rounded to fp32 at each add (plain
// loads, adds and stores: the same values on every target).
void FormSum(const float* x, const float* residual, const float* bias, float* s,
             int64_t n) {
  if (residual != nullptr) {
    for (int64_t i = 0; i < n; ++i) s[i] = (x[i] + residual[i]) + bias[i];
  } else {
    for (int64_t i = 0; i < n; ++i) s[i] = x[i] + bias[i];
  }
}

}  // namespace

void RunRowNormWithBias(const simdnorm_context& ctx, const RowNormProblem& p,
                        int64_t begin, int64_t end, bool parallel) {
  SIMDNORM_DASSERT(p.dtype == SIMDNORM_F32);  // fp32 storage only
  const float* const x = static_cast<const float*>(p.x);
  const float* const residual = static_cast<const float*>(p.residual);
  const int64_t cols = p.cols;
  const int64_t threads = parallel ? ctx.concurrency : 1;
  const int64_t block_rows = std::clamp<int64_t>(
      kBlockBytesPerThread * threads / (cols * int64_t{sizeof(float)}), 1,
      std::max<int64_t>(1, end - begin));
  std::vector<float> scratch(p.sum_out ? 0 : block_rows * cols);
  const int64_t s_stride = p.sum_out ? p.sum_stride : cols;
  const int64_t pieces_per_row = (cols + kPieceElems - 1) / kPieceElems;
  // The row norms' own parameters decide how finely s is formed in tasks.
  const TileParams& t =
      ctx.tuning.Lookup(p.rms ? OpKind::kRmsNorm : OpKind::kLayerNorm,
                        SIMDNORM_NCHW, ctx.kernels.target, cols);
  const int64_t piece_bytes = std::min(cols, kPieceElems) * kFormBytes;
  for (int64_t b0 = begin; b0 < end; b0 += block_rows) {
    const int64_t rows = std::min(block_rows, end - b0);
    float* s = p.sum_out ? static_cast<float*>(p.sum_out) + b0 * p.sum_stride
                         : scratch.data();
    const auto form = [&](int64_t first, int64_t last) {
      for (int64_t i = first; i < last; ++i) {
        const int64_t r = i / pieces_per_row;
        const int64_t c = i % pieces_per_row * kPieceElems;
        const int64_t row = b0 + r;
        FormSum(x + row * p.x_stride + c,
                residual ? residual + row * p.residual_stride + c : nullptr,
                p.residual_bias + c, s + r * s_stride + c,
                std::min(kPieceElems, cols - c));
      }
    };
    if (parallel &&
        WorthParallel(ctx, rows * cols * kFormBytes, t.inline_bytes)) {
      const int64_t pieces = rows * pieces_per_row;
      ParallelFor(ctx, pieces,
                  TaskGrain(ctx, pieces, piece_bytes, t.task_bytes), form);
    } else {
      form(0, rows * pieces_per_row);
    }
    RowNormProblem q = p;
    q.rows = rows;
    q.x = s;
    q.x_stride = s_stride;
    q.residual = nullptr;
    q.residual_bias = nullptr;
    q.sum_out = nullptr;
    q.y = static_cast<float*>(p.y) + b0 * p.y_stride;
    q.mean = p.mean ? p.mean + b0 : nullptr;
    q.rstd = p.rstd ? p.rstd + b0 : nullptr;
    if (parallel) {
      RunRowNorm(ctx, q);
    } else {
      RunRowNormSlice(ctx, q, 0, rows);
    }
  }
}

}  // namespace simdnorm::internal
