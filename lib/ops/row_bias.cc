#include "ops/row_bias.h"

#include <algorithm>
#include <vector>

#include "common/contract.h"
#include "common/storage.h"
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

}  // namespace

void RunRowNormWithBias(const simdnorm_context& ctx, const RowNormProblem& p,
                        int64_t begin, int64_t end, bool parallel) {
  const int64_t cols = p.cols;
  const size_t bytes = p.elem_bytes;
  // With 16-bit storage, s stays fp32 (it is normalized unrounded, as the
  // residual path does) and y is formed in fp32 scratch too, then rounded
  // once into y and sum_out (a quantized y: quantized from that scratch).
  const bool narrow = p.dtype != SIMDNORM_F32 || p.quantized();
  const int64_t threads = parallel ? ctx.concurrency : 1;
  const RowKernels& k = ctx.kernels.RowFor(p.dtype);
  const int64_t block_rows = std::clamp<int64_t>(
      kBlockBytesPerThread * threads / (cols * int64_t{sizeof(float)}), 1,
      std::max<int64_t>(1, end - begin));
  const bool s_in_sum_out = p.sum_out != nullptr && p.dtype == SIMDNORM_F32;
  std::vector<float> scratch(s_in_sum_out ? 0 : block_rows * cols);
  std::vector<float> y_scratch(narrow ? block_rows * cols : 0);
  const int64_t s_stride = s_in_sum_out ? p.sum_stride : cols;
  const int64_t pieces_per_row = (cols + kPieceElems - 1) / kPieceElems;
  // The row norms' own parameters decide how finely s is formed in tasks.
  const TileParams& t =
      ctx.tuning.Lookup(p.rms ? OpKind::kRmsNorm : OpKind::kLayerNorm,
                        SIMDNORM_NCHW, p.dtype, ctx.kernels.target, cols);
  const int64_t piece_bytes = std::min(cols, kPieceElems) * kFormBytes;
  for (int64_t b0 = begin; b0 < end; b0 += block_rows) {
    const int64_t rows = std::min(block_rows, end - b0);
    float* s = s_in_sum_out
                   ? static_cast<float*>(p.sum_out) + b0 * p.sum_stride
                   : scratch.data();
    // Runs body(row within the block, first column, count) over the
    // block's pieces, on the context's threads when that pays.
    const auto for_pieces = [&](const auto& body) {
      const auto run = [&](int64_t first, int64_t last) {
        for (int64_t i = first; i < last; ++i) {
          const int64_t c = i % pieces_per_row * kPieceElems;
          body(i / pieces_per_row, c, std::min(kPieceElems, cols - c));
        }
      };
      const int64_t pieces = rows * pieces_per_row;
      if (parallel &&
          WorthParallel(ctx, rows * cols * kFormBytes, t.inline_bytes)) {
        ParallelFor(ctx, pieces,
                    TaskGrain(ctx, pieces, piece_bytes, t.task_bytes), run);
      } else {
        run(0, pieces);
      }
    };
    for_pieces([&](int64_t r, int64_t c, int64_t n) {
      const int64_t row = b0 + r;
      k.form_sum(ElementAt(p.x, row * p.x_stride + c, bytes),
                 p.residual
                     ? ElementAt(p.residual, row * p.residual_stride + c, bytes)
                     : nullptr,
                 p.residual_bias + c, s + r * s_stride + c, n);
    });
    RowNormProblem q = p;
    q.dtype = q.y_dtype = SIMDNORM_F32;
    q.elem_bytes = sizeof(float);
    q.rows = rows;
    q.x = s;
    q.x_stride = s_stride;
    q.residual = nullptr;
    q.residual_bias = nullptr;
    q.sum_out = nullptr;
    q.y = narrow ? static_cast<void*>(y_scratch.data())
                 : ElementAt(p.y, b0 * p.y_stride, p.y_bytes());
    q.y_stride = narrow ? cols : p.y_stride;
    q.mean = p.mean ? p.mean + b0 : nullptr;
    q.rstd = p.rstd ? p.rstd + b0 : nullptr;
    if (parallel) {
      RunRowNorm(ctx, q);
    } else {
      RunRowNormSlice(ctx, q, 0, rows);
    }
    if (!narrow) continue;
    // s and y were read whole before these writes (in place is fine).
    for_pieces([&](int64_t r, int64_t c, int64_t n) {
      const int64_t row = b0 + r;
      const float* y_row = y_scratch.data() + r * cols + c;
      void* y = ElementAt(p.y, row * p.y_stride + c, p.y_bytes());
      if (p.quantized()) {
        k.quantize(y_row, y, n, p.y_scale, p.y_zero_point, p.y_dtype);
      } else {
        k.narrow(y_row, y, n);
      }
      if (p.sum_out != nullptr && !s_in_sum_out) {
        k.narrow(s + r * s_stride + c,
                 ElementAt(p.sum_out, row * p.sum_stride + c, bytes), n);
      }
    });
  }
}

}  // namespace simdnorm::internal
