#include "ops/channel_stats.h"

#include <algorithm>
#include <cmath>

#include "common/contract.h"
#include "runtime/parallel.h"

namespace simdnorm::internal {
namespace {

struct Chunk {
  ConstTypedPtr x;
  int64_t len;
};

std::vector<Chunk> ChunksOf(const SpanSet& set, int64_t chunk_elems) {
  std::vector<Chunk> chunks;
  for (int64_t i = 0; i < set.spans; ++i) {
    for (int64_t b = 0; b < set.span_len; b += chunk_elems) {
      chunks.push_back(
          {set.At(i) + b, std::min(chunk_elems, set.span_len - b)});
    }
  }
  return chunks;
}

Moments ChunkMoments(const RowKernels& k, const Chunk& c, float pivot,
                     float scale, int64_t block_elems) {
  MomentsSource src;
  src.x = c.x.p;
  return UnscaledMoments(k, src, c.len, pivot, scale, block_elems, true);
}

Moments SpanSetMoments(const simdnorm_context& ctx, const SpanSet& set,
                       int64_t chunk_elems, float pivot, float scale,
                       int64_t block_elems, bool parallel) {
  const RowKernels& k = ctx.kernels.RowFor(set.base.dtype);
  Moments total;
  const int64_t per_span = (set.span_len + chunk_elems - 1) / chunk_elems;
  if (!parallel || set.spans * per_span == 1) {
    // Same chunks in the same order as below, without the list.
    for (int64_t i = 0; i < set.spans; ++i) {
      for (int64_t b = 0; b < set.span_len; b += chunk_elems) {
        const Chunk c{set.At(i) + b, std::min(chunk_elems, set.span_len - b)};
        MergeMoments(total, ChunkMoments(k, c, pivot, scale, block_elems));
      }
    }
    return total;
  }
  const std::vector<Chunk> chunks = ChunksOf(set, chunk_elems);
  std::vector<Moments> parts(chunks.size());
  ParallelFor(
      ctx, static_cast<int64_t>(chunks.size()), 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          parts[i] = ChunkMoments(k, chunks[i], pivot, scale, block_elems);
        }
      });
  for (const Moments& part : parts) MergeMoments(total, part);
  return total;
}

// Adds one tile's column sums to the groups' moments: a group's channels
// are added (same pivot and scale) and its tile moments merged. Every
// group has merged the same tiles, so the counts and the merge weight are
// the same for all of them: computed once per tile, the loop over groups
// runs without divisions (per tile and group they were its cost). Per
// group this is MomentsFromSums + MergeMoments, with the mean's division
// by count as a multiplication by its reciprocal.
void MergeTileSums(const double* sums, int64_t tile_rows_here, int64_t channels,
                   int64_t group_size, const float* scale, Moments* totals) {
  const int64_t groups = channels / group_size;
  if (groups == 0 || tile_rows_here == 0) return;
  const double count = static_cast<double>(tile_rows_here * group_size);
  const double inv_count = 1.0 / count;
  const double merged_count = totals[0].count;
  const double total = merged_count + count;
  const double weight = count / total;
  for (int64_t g = 0; g < groups; ++g) {
    double s1 = 0.0, s2 = 0.0;
    if (group_size == 1) {  // BatchNorm, InstanceNorm: no loop overhead
      s1 += sums[g];
      s2 += sums[channels + g];
    } else {
      for (int64_t c = g * group_size; c < (g + 1) * group_size; ++c) {
        s1 += sums[c];
        s2 += sums[channels + c];
      }
    }
    Moments m;
    m.count = count;
    m.mean = s1 * inv_count;
    m.m2 = s2 - s1 * m.mean;
    if (m.m2 < 0.0) m.m2 = 0.0;  // rounding only
    const float sc = scale[g * group_size];
    if (sc != 1.0f) m = UnscaleMoments(m, sc);
    Moments& into = totals[g];
    SIMDNORM_DASSERT(into.count == merged_count);
    if (merged_count == 0.0) {
      into = m;
      continue;
    }
    const double delta = m.mean - into.mean;
    into.mean += delta * weight;
    into.m2 += m.m2 + delta * delta * into.count * weight;
    into.count = total;
  }
}

// Column sums of all tiles, merged tile by tile. Fills `totals` (unscaled)
// per group.
void ColumnPass(const simdnorm_context& ctx, ConstTypedPtr x, int64_t rows,
                int64_t stride, int64_t channels, int64_t group_size,
                int64_t tile_rows, const float* scale,
                const float* scaled_pivot, bool parallel, Moments* totals) {
  const ChannelKernels& k = ctx.kernels.ChannelFor(x.dtype);
  const int64_t groups = channels / group_size;
  const int64_t tiles = (rows + tile_rows - 1) / tile_rows;
  std::fill_n(totals, groups, Moments());
  // sums: 2 * channels doubles per tile (sum, then sum of squares).
  const auto tile_sums = [&](int64_t t, double* sums) {
    const int64_t r0 = t * tile_rows;
    k.column_sums((x + r0 * stride).p, std::min(tile_rows, rows - r0), stride,
                  channels, scale, scaled_pivot, sums, sums + channels);
  };
  const auto merge_tile = [&](int64_t t, const double* sums) {
    MergeTileSums(sums, std::min(tile_rows, rows - t * tile_rows), channels,
                  group_size, scale, totals);
  };
  if (!parallel || tiles == 1) {
    std::vector<double> sums(2 * channels);
    for (int64_t t = 0; t < tiles; ++t) {
      tile_sums(t, sums.data());
      merge_tile(t, sums.data());
    }
    return;
  }
  std::vector<double> sums(tiles * 2 * channels);
  ParallelFor(ctx, tiles, 1, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t)
      tile_sums(t, sums.data() + t * 2 * channels);
  });
  for (int64_t t = 0; t < tiles; ++t) {
    merge_tile(t, sums.data() + t * 2 * channels);
  }
}

float GroupPivot(ConstTypedPtr x, int64_t rows, int64_t stride, int64_t g,
                 int64_t group_size) {
  const ConstTypedPtr first = x + g * group_size;
  return MedianOf3(first[0], first[(rows / 2) * stride + group_size / 2],
                   first[(rows - 1) * stride + group_size - 1]);
}

// After the pass at scale 1: the groups that need a scaled second pass get
// their scale; returns whether any does.
bool NeedsRetry(const Moments* totals, int64_t groups, int64_t group_size,
                float eps, float* scale, float* pivot, GroupStat* out) {
  bool retry = false;
  for (int64_t g = 0; g < groups; ++g) {
    out[g].moments = totals[g];
    out[g].scale = RetryScale(totals[g], out[g].pivot, eps);
    if (out[g].scale == 1.0f) continue;
    retry = true;
    for (int64_t c = g * group_size; c < (g + 1) * group_size; ++c) {
      scale[c] = out[g].scale;
      pivot[c] = out[g].pivot * out[g].scale;
    }
  }
  return retry;
}

}  // namespace

// Median of first, middle and last: one of the values, rarely an outlier.
float SpanSetPivot(const SpanSet& set) {
  const ConstTypedPtr last = set.At(set.spans - 1);
  return MedianOf3(set.base[0], set.At(set.spans / 2)[set.span_len / 2],
                   last[set.span_len - 1]);
}

SpanStatsInProgress::SpanStatsInProgress(const simdnorm_context& ctx,
                                         const SpanSet& set,
                                         int64_t block_elems,
                                         int64_t chunk_elems)
    : ctx_(ctx),
      set_(set),
      block_elems_(block_elems),
      chunk_elems_(chunk_elems),
      per_span_((set.span_len + chunk_elems - 1) / chunk_elems) {}

void SpanStatsInProgress::AdvanceTo(int64_t end_chunk) {
  if (done_ == end_chunk) return;
  // Picked at the first advance, not at construction: a caller that
  // prefetches the first chunk meanwhile then finds it cached.
  if (done_ == 0) stat_.pivot = SpanSetPivot(set_);
  const RowKernels& k = ctx_.kernels.RowFor(set_.base.dtype);
  for (; done_ < end_chunk; ++done_) {
    const int64_t b = done_ % per_span_ * chunk_elems_;
    const Chunk c{set_.At(done_ / per_span_) + b,
                  std::min(chunk_elems_, set_.span_len - b)};
    MergeMoments(stat_.moments,
                 ChunkMoments(k, c, stat_.pivot, 1.0f, block_elems_));
  }
}

const void* SpanStatsInProgress::PrefetchAt(int64_t chunk,
                                            int64_t elems) const {
  const int64_t b = chunk % per_span_ * chunk_elems_;
  if (chunk >= chunks() || b + elems > set_.span_len) return nullptr;
  return (set_.At(chunk / per_span_) + b).p;
}

GroupStat SpanStatsInProgress::Finish(float eps) {
  AdvanceTo(chunks());
  stat_.scale = RetryScale(stat_.moments, stat_.pivot, eps);
  if (stat_.scale != 1.0f) {
    stat_.moments = SpanSetMoments(ctx_, set_, chunk_elems_, stat_.pivot,
                                   stat_.scale, block_elems_, false);
  }
  return stat_;
}

GroupStat SpanSetStats(const simdnorm_context& ctx, const SpanSet& set,
                       int64_t block_elems, int64_t chunk_elems, float eps,
                       bool parallel) {
  if (!parallel) {
    return SpanStatsInProgress(ctx, set, block_elems, chunk_elems)
        .Finish(eps);
  }
  GroupStat s;
  s.pivot = SpanSetPivot(set);
  s.moments = SpanSetMoments(ctx, set, chunk_elems, s.pivot, 1.0f, block_elems,
                             parallel);
  s.scale = RetryScale(s.moments, s.pivot, eps);
  if (s.scale != 1.0f) {
    s.moments = SpanSetMoments(ctx, set, chunk_elems, s.pivot, s.scale,
                               block_elems, parallel);
  }
  return s;
}

void InterleavedSpanSetStats(const simdnorm_context& ctx, const SpanSet& set,
                             int64_t sets, int64_t block_elems, float eps,
                             bool parallel, GroupStat* out) {
  const ChannelKernels& k = ctx.kernels.ChannelFor(set.base.dtype);
  const int64_t lanes = static_cast<int64_t>(ctx.kernels.row->f32_lanes());
  const int64_t len = set.span_len;
  const auto set_of = [&set, len](int64_t c) {
    SpanSet s = set;
    s.base += c * len;
    return s;
  };
  // Whole spans per block: lane sums stay short enough for fp32.
  const int64_t block_spans = std::max<int64_t>(1, block_elems / len);
  // Sets [b, e), sample by sample: their spans of a sample are adjacent.
  const auto run = [&](int64_t b, int64_t e) {
    std::vector<float> pivot(e - b), sums(2 * (e - b) * lanes);
    float* const sum = sums.data();
    float* const sum_sq = sum + (e - b) * lanes;
    for (int64_t c = b; c < e; ++c) {
      out[c] = GroupStat();
      out[c].pivot = pivot[c - b] = SpanSetPivot(set_of(c));
    }
    for (int64_t i0 = 0; i0 < set.spans; i0 += block_spans) {
      const int64_t i1 = std::min(set.spans, i0 + block_spans);
      std::fill(sums.begin(), sums.end(), 0.0f);
      for (int64_t i = i0; i < i1; ++i) {
        k.span_lane_sums((set.At(i) + b * len).p, e - b, len, pivot.data(), sum,
                         sum_sq);
      }
      const double count = static_cast<double>((i1 - i0) * len);
      for (int64_t c = b; c < e; ++c) {
        double s1 = 0.0, s2 = 0.0;
        for (int64_t j = (c - b) * lanes; j < (c - b + 1) * lanes; ++j) {
          s1 += sum[j];
          s2 += sum_sq[j];
        }
        MergeMoments(out[c].moments, MomentsFromSums(count, s1, s2));
      }
    }
    for (int64_t c = b; c < e; ++c) {
      out[c].scale = RetryScale(out[c].moments, out[c].pivot, eps);
      if (out[c].scale != 1.0f) {  // rare: huge or tiny values
        out[c] = SpanSetStats(ctx, set_of(c), block_elems, len, eps, false);
      }
    }
  };
  if (!parallel) return run(0, sets);
  // A task reads at least ~64 KiB of each sample's block.
  const int64_t grain = std::max<int64_t>(
      1, (int64_t{64} << 10) /
             (len * static_cast<int64_t>(StorageBytes(set.base.dtype))));
  ParallelFor(ctx, sets, grain, run);
}

bool SingleTileBatchStatistics(const simdnorm_context& ctx, ConstTypedPtr x,
                               int64_t rows, int64_t stride,
                               BatchStatisticsFinish f) {
  const int64_t channels = f.n;
  // Scratch: 2 floats and 2 doubles per channel; on the stack for small
  // channel counts.
  constexpr int64_t kInline = 64;
  float inline_floats[2 * kInline];
  double inline_sums[2 * kInline];
  std::vector<float> heap_floats(channels > kInline ? 2 * channels : 0);
  std::vector<double> heap_sums(channels > kInline ? 2 * channels : 0);
  float* const scale = channels > kInline ? heap_floats.data() : inline_floats;
  float* const pivot = scale + channels;
  double* const sums = channels > kInline ? heap_sums.data() : inline_sums;
  const ChannelKernels& k = ctx.kernels.ChannelFor(x.dtype);
  std::fill_n(scale, channels, 1.0f);
  k.column_pivots(x.p, rows, stride, channels, pivot);
  k.column_sums(x.p, rows, stride, channels, scale, pivot, sums,
                sums + channels);
  f.count = static_cast<double>(rows);
  f.sum = sums;
  f.sum_sq = sums + channels;
  f.pivot = pivot;
  return ctx.kernels.coefficients->batch_statistics(f);
}

void ColumnGroupStats(const simdnorm_context& ctx, ConstTypedPtr x, int64_t rows,
                      int64_t stride, int64_t channels, int64_t group_size,
                      int64_t tile_rows, float eps, bool parallel,
                      GroupStat* out) {
  ColumnStatsInProgress run(ctx, x, rows, stride, channels, group_size,
                            tile_rows);
  run.Finish(eps, parallel, out);
}

ColumnStatsInProgress::ColumnStatsInProgress(const simdnorm_context& ctx,
                                             ConstTypedPtr x, int64_t rows,
                                             int64_t stride, int64_t channels,
                                             int64_t group_size,
                                             int64_t tile_rows)
    : ctx_(ctx),
      x_(x),
      rows_(rows),
      stride_(stride),
      channels_(channels),
      group_size_(group_size),
      tile_rows_(tile_rows),
      tiles_((rows + tile_rows - 1) / tile_rows) {
  const int64_t groups = channels / group_size;
  float* floats = inline_floats_;
  totals_ = inline_totals_;
  sums_ = inline_sums_;
  if (channels > kInlineChannels) {
    heap_floats_.resize(3 * channels);
    heap_totals_.resize(groups);
    heap_sums_.resize(2 * channels);
    floats = heap_floats_.data();
    totals_ = heap_totals_.data();
    sums_ = heap_sums_.data();
  }
  scale_ = floats;
  pivot_ = floats + channels;
  pivots_ = floats + 2 * channels;
  std::fill_n(scale_, channels, 1.0f);
  std::fill_n(totals_, groups, Moments());
  if (group_size == 1) {  // BatchNorm, InstanceNorm: in vectors
    ctx.kernels.ChannelFor(x.dtype).column_pivots(x.p, rows, stride, channels,
                                                  pivots_);
    std::copy_n(pivots_, channels, pivot_);
    return;
  }
  for (int64_t g = 0; g < groups; ++g) {
    pivots_[g] = GroupPivot(x, rows, stride, g, group_size);
    std::fill_n(pivot_ + g * group_size, group_size, pivots_[g]);
  }
}

void ColumnStatsInProgress::AdvanceTo(int64_t end_tile) {
  const ChannelKernels& k = ctx_.kernels.ChannelFor(x_.dtype);
  end_tile = std::min(end_tile, tiles_);
  for (; done_ < end_tile; ++done_) {
    const int64_t r0 = done_ * tile_rows_;
    const int64_t n = std::min(tile_rows_, rows_ - r0);
    k.column_sums((x_ + r0 * stride_).p, n, stride_, channels_, scale_, pivot_,
                  sums_, sums_ + channels_);
    MergeTileSums(sums_, n, channels_, group_size_, scale_, totals_);
  }
}

void ColumnStatsInProgress::Finish(float eps, bool parallel, GroupStat* out) {
  if (parallel && done_ == 0) {
    // All tiles on the threads, merged in tile order: the same moments as
    // advancing tile by tile.
    ColumnPass(ctx_, x_, rows_, stride_, channels_, group_size_, tile_rows_,
               scale_, pivot_, true, totals_);
    done_ = tiles_;
  }
  AdvanceTo(tiles_);
  const int64_t groups = channels_ / group_size_;
  for (int64_t g = 0; g < groups; ++g) {
    out[g] = GroupStat();
    out[g].pivot = pivots_[g];
  }
  if (!NeedsRetry(totals_, groups, group_size_, eps, scale_, pivot_, out)) {
    return;
  }
  std::vector<Moments> totals(groups);
  ColumnPass(ctx_, x_, rows_, stride_, channels_, group_size_, tile_rows_,
             scale_, pivot_, parallel, totals.data());
  for (int64_t g = 0; g < groups; ++g) out[g].moments = totals[g];
}

UnitStats GroupCoefficients(const GroupStat& s, float eps, const float* gamma,
                            const float* beta, int64_t first, int64_t count,
                            CoefficientBuffers* out) {
  const UnitStats st = FinishStats(s.moments, s.pivot, s.scale, eps, true);
  for (int64_t i = 0; i < count; ++i) {
    SetChannelCoefficients(s, st, gamma ? gamma[i] : 1.0, beta ? beta[i] : 0.0,
                           first + i, out);
  }
  return st;
}

}  // namespace simdnorm::internal
