#include "ops/row_norm.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/alignment.h"
#include "common/contract.h"
#include "common/line_aligned.h"
#include "common/storage.h"
#include "common/unit_stats.h"
#include "hwy/aligned_allocator.h"
#include "ops/partition.h"
#include "runtime/parallel.h"

namespace simdnorm::internal {
namespace {

// Where one row's values come from: x (+ residual), and where the sum
// goes. With fp32 storage the first moments pass stores the sum and later
// passes read it back (one stream instead of two); with narrower storage
// the stored sum is rounded, so every pass reads x + residual and the
// normalize pass stores the sum.
struct RowSource {
  const void* x;
  const void* residual;
  void* sum_out;
  size_t bytes;  // per element
};

RowSource SourceOfRow(const RowNormProblem& p, int64_t row) {
  const size_t bytes = p.elem_bytes;
  RowSource s;
  s.x = ElementAt(p.x, row * p.x_stride, bytes);
  s.residual = p.residual ? ElementAt(p.residual, row * p.residual_stride, bytes)
                          : nullptr;
  s.sum_out =
      p.sum_out ? ElementAt(p.sum_out, row * p.sum_stride, bytes) : nullptr;
  s.bytes = bytes;
  return s;
}

bool SumStoredByMoments(const RowNormProblem& p) {
  return p.dtype == SIMDNORM_F32;
}

// After the first moments pass has stored x + residual, read that instead.
RowSource AfterSumStored(const RowNormProblem& p, const RowSource& s) {
  if (s.sum_out == nullptr || !SumStoredByMoments(p)) return s;
  return RowSource{s.sum_out, nullptr, nullptr, s.bytes};
}

float ValueAt(const RowNormProblem& p, const RowSource& s, int64_t i) {
  const float v = LoadAsF32(s.x, i, p.dtype);
  return s.residual ? v + LoadAsF32(s.residual, i, p.dtype) : v;
}

float PickPivot(const RowNormProblem& p, const RowSource& s) {
  if (p.rms) return 0.0f;
  return MedianOf3(ValueAt(p, s, 0), ValueAt(p, s, p.cols / 2),
                   ValueAt(p, s, p.cols - 1));
}

// Moments of values [begin, begin + count) of a row, unscaled.
Moments ChunkMoments(const RowKernels& k, const RowSource& s, int64_t begin,
                     int64_t count, float pivot, float scale,
                     const TileParams& t, bool centered) {
  MomentsSource src;
  src.x = ElementAt(s.x, begin, s.bytes);
  src.residual = s.residual ? ElementAt(s.residual, begin, s.bytes) : nullptr;
  src.sum_out = s.sum_out ? ElementAt(s.sum_out, begin, s.bytes) : nullptr;
  return UnscaledMoments(k, src, count, pivot, scale, t.block_elems, centered);
}

int64_t ChunkCount(int64_t cols, const TileParams& t) {
  // The common one-chunk case without a division (small calls notice it).
  if (cols <= t.chunk_elems) return 1;
  return (cols + t.chunk_elems - 1) / t.chunk_elems;
}

// Moments of a row: fixed chunks merged in order. `parallel` runs the
// chunks on the context's threads; the merge order is the same either way.
template <class ForChunks>
Moments RowMoments(const RowNormProblem& p, const RowKernels& k,
                   const RowSource& s, float pivot, float scale,
                   const TileParams& t, const ForChunks& for_chunks) {
  const int64_t chunks = ChunkCount(p.cols, t);
  if (chunks == 1) {
    return ChunkMoments(k, s, 0, p.cols, pivot, scale, t, !p.rms);
  }
  std::vector<Moments> parts(static_cast<size_t>(chunks));
  for_chunks(chunks, [&](int64_t c) {
    const int64_t begin = c * t.chunk_elems;
    parts[c] =
        ChunkMoments(k, s, begin, std::min(t.chunk_elems, p.cols - begin),
                     pivot, scale, t, !p.rms);
  });
  Moments total;
  for (const Moments& part : parts) MergeMoments(total, part);
  return total;
}

// Whether y goes out with non-temporal stores: each thread's share of the
// whole output is at least stream_bytes (as in group_norm.cc).
bool StreamOutput(const RowNormProblem& p, const TileParams& t,
                  int threads) {
  return p.rows * p.cols * static_cast<int64_t>(p.elem_bytes) >=
         t.stream_bytes * threads;
}

// `next_x` (optional): the x of the row this thread runs next, prefetched
// during this row's normalize pass (its reads then overlap with the
// stores, as in the whole-rows kernel).
template <class ForChunks>
void NormalizeRow(const simdnorm_context& ctx, const RowNormProblem& p,
                  int64_t row, const TileParams& t, bool stream,
                  const ForChunks& for_chunks,
                  const void* next_x = nullptr) {
  const RowKernels& k = ctx.kernels.RowFor(p.dtype);
  RowSource s = SourceOfRow(p, row);
  const float pivot = PickPivot(p, s);
  void* const sum_out = s.sum_out;
  if (!SumStoredByMoments(p)) s.sum_out = nullptr;  // the normalize pass's
  Moments m = RowMoments(p, k, s, pivot, 1.0f, t, for_chunks);
  s = AfterSumStored(p, s);
  const float scale = RetryScale(m, pivot, p.eps);
  if (scale != 1.0f) m = RowMoments(p, k, s, pivot, scale, t, for_chunks);

  const UnitStats st = FinishStats(m, pivot, scale, p.eps, !p.rms);
  if (p.mean) p.mean[row] = static_cast<float>(st.mean);
  if (p.rstd) p.rstd[row] = static_cast<float>(st.rstd);

  RowAffine affine;
  affine.scale = st.scale;
  affine.scaled_pivot = st.scaled_pivot;
  affine.shifted_mean = st.shifted_mean;
  affine.inv_std = st.inv_std;
  affine.stream = stream;
  void* y = ElementAt(p.y, row * p.y_stride, p.y_bytes());
  const bool store_sum = !SumStoredByMoments(p) && sum_out != nullptr;
  const int64_t chunks = ChunkCount(p.cols, t);
  for_chunks(chunks, [&](int64_t c) {
    const int64_t begin = c * t.chunk_elems;
    RowAffine a = affine;
    a.gamma = p.gamma ? p.gamma + begin : nullptr;
    a.beta = p.beta ? p.beta + begin : nullptr;
    a.sum_out = store_sum ? ElementAt(sum_out, begin, s.bytes) : nullptr;
    a.prefetch = next_x ? ElementAt(next_x, begin, s.bytes) : nullptr;
    const void* x = ElementAt(s.x, begin, s.bytes);
    const void* residual =
        s.residual ? ElementAt(s.residual, begin, s.bytes) : nullptr;
    const int64_t n = std::min(t.chunk_elems, p.cols - begin);
    if (p.quantized()) {
      k.normalize_quantized(x, residual, ElementAt(y, begin, 1), n, a,
                            p.y_quant());
    } else {
      k.normalize(x, residual, ElementAt(y, begin, s.bytes), n, a);
    }
  });
}

const TileParams& ParamsFor(const simdnorm_context& ctx,
                            const RowNormProblem& p) {
  return ctx.tuning.Lookup(p.rms ? OpKind::kRmsNorm : OpKind::kLayerNorm,
                           SIMDNORM_NCHW, p.dtype, ctx.kernels.target, p.cols);
}

struct SequentialChunks {
  template <class Body>
  void operator()(int64_t chunks, const Body& body) const {
    for (int64_t c = 0; c < chunks; ++c) body(c);
  }
};

void RunRows(const simdnorm_context& ctx, const RowNormProblem& p,
             const TileParams& t, bool stream, int64_t begin, int64_t end) {
  if (p.residual == nullptr && ChunkCount(p.cols, t) == 1) {
    // Common case: whole rows in one kernel call, with no per-row calls
    // through the kernel table, quantized or not. Same arithmetic, same
    // results (bf16 -> s8 LayerNorm 4096x768 at x, y + 16 bytes, 1 thread
    // on Zen 5: 794-823 us row by row, 569-608 us here).
    RowBatch b;
    b.x = p.x;
    b.x_stride = p.x_stride;
    b.y = p.y;
    b.y_stride = p.y_stride;
    b.cols = p.cols;
    b.gamma = p.gamma;
    b.beta = p.beta;
    b.mean = p.mean;
    b.rstd = p.rstd;
    b.eps = p.eps;
    b.centered = !p.rms;
    b.stream = stream && !p.quantized();
    b.block_elems = t.block_elems;
    b.quantized = p.quantized();
    b.y_quant = p.y_quant();
    const RowKernels& k = ctx.kernels.RowFor(p.dtype);
    while (begin < end) {
      const int64_t done_to = k.rows(b, begin, end);
      SIMDNORM_DASSERT(done_to >= begin && done_to <= end);
      begin = done_to;
      if (begin < end) {  // this row needs the rescaling path
        NormalizeRow(ctx, p, begin, t, stream, SequentialChunks());
        ++begin;
      }
    }
    return;
  }
  for (int64_t row = begin; row < end; ++row) {
    NormalizeRow(ctx, p, row, t, stream, SequentialChunks(),
                 row + 1 < end ? SourceOfRow(p, row + 1).x : nullptr);
  }
}

// gamma and beta as the normalize pass reads them after it has peeled a
// row of y to an aligned vector: at the same offsets. Where every row of y
// starts equally misaligned (a stride of whole vectors), copies placed so
// that those reads are aligned too; else, or where the copy would not pay,
// the caller's arrays. Unaligned, each vector's gamma and beta loads cross
// a cache line: LayerNorm 4096x768 with x and y 16 bytes past a line took
// 587 us against 412 us aligned (Zen 5, AVX3, 1 thread).
class AlignedAffine {
 public:
  AlignedAffine(const RowNormProblem& p, int64_t lanes, int64_t rows)
      : given_(p) {
    const auto n = static_cast<size_t>(lanes);
    // Where the normalize pass peels (row_normalize-inl.h), and enough
    // rows to amortize the copy.
    if ((p.gamma == nullptr && p.beta == nullptr) || p.quantized() ||
        p.cols < 8 * lanes || rows * p.cols < kMinElems ||
        !ElementAligned(p.y, p.elem_bytes) || p.y_stride % lanes != 0) {
      return;
    }
    const auto misaligned =
        static_cast<int64_t>(ElementsPastVector(p.y, p.elem_bytes, n));
    const int64_t peel = (lanes - misaligned) % lanes;
    const auto aligned = [&](const float* a) {
      return a == nullptr || ElementsPastVector(a + peel, n) == 0;
    };
    if (aligned(p.gamma) && aligned(p.beta)) return;
    // Each copy starts `misaligned` floats past a line: its element `peel`
    // is then on one.
    const int64_t span = RoundUpToLine(misaligned + p.cols + kLineFloats);
    storage_ = hwy::AllocateAligned<float>(static_cast<size_t>(2 * span));
    if (!storage_) return;  // the caller's arrays still work
    const auto copy = [&](const float* from, int64_t at) -> const float* {
      if (from == nullptr) return nullptr;
      float* to = storage_.get() + at + misaligned;
      std::copy(from, from + p.cols, to);
      return to;
    };
    aligned_.emplace(p);
    aligned_->gamma = copy(p.gamma, 0);
    aligned_->beta = copy(p.beta, span);
  }
  const RowNormProblem& problem() const {
    return aligned_ ? *aligned_ : given_;
  }

 private:
  static constexpr int64_t kMinElems = 16 << 10;

  const RowNormProblem& given_;
  std::optional<RowNormProblem> aligned_;  // only where copies were made
  hwy::AlignedFreeUniquePtr<float[]> storage_;
};

int64_t Lanes(const simdnorm_context& ctx, const RowNormProblem& p) {
  return static_cast<int64_t>(ctx.kernels.RowFor(p.dtype).f32_lanes());
}

}  // namespace

void RunRowNormSlice(const simdnorm_context& ctx, const RowNormProblem& given,
                     int64_t begin, int64_t end) {
  const AlignedAffine aligned(given, Lanes(ctx, given), end - begin);
  const RowNormProblem& p = aligned.problem();
  const TileParams& t = ParamsFor(ctx, p);
  RunRows(ctx, p, t, StreamOutput(p, t, 1), begin, end);
}

void RunRowNorm(const simdnorm_context& ctx, const RowNormProblem& given) {
  const AlignedAffine aligned(given, Lanes(ctx, given), given.rows);
  const RowNormProblem& p = aligned.problem();
  const TileParams& t = ParamsFor(ctx, p);
  const int64_t row_bytes = p.cols * 2 * static_cast<int64_t>(p.elem_bytes);
  if (!WorthParallel(ctx, p.rows * row_bytes, t.inline_bytes)) {
    return RunRows(ctx, p, t, StreamOutput(p, t, 1), 0, p.rows);
  }
  const bool stream = StreamOutput(p, t, ctx.concurrency);
  if (p.rows < ctx.concurrency && p.cols >= t.split_elems) {
    // Too few rows for the threads: split each row's reduction and its
    // normalize pass into chunks instead.
    const auto parallel_chunks = [&ctx](int64_t chunks, const auto& body) {
      ParallelFor(ctx, chunks, 1, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) body(c);
      });
    };
    for (int64_t row = 0; row < p.rows; ++row) {
      NormalizeRow(ctx, p, row, t, stream, parallel_chunks);
    }
    return;
  }
  const int64_t grain = TaskGrain(ctx, p.rows, row_bytes, t.task_bytes);
  ParallelFor(ctx, p.rows, grain,
              [&](int64_t b, int64_t e) { RunRows(ctx, p, t, stream, b, e); });
}

}  // namespace simdnorm::internal
