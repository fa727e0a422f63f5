// Statistics planning shared by GroupNorm/InstanceNorm and BatchNorm: the
// moments of a group of values (pivot, single pass, retry at a power-of-two
// scale when squares overflow or underflow) and the per-channel normalize
// coefficients derived from them.
//
// Reductions are split into fixed pieces (chunks of chunk_elems values of a
// contiguous span; tiles of spatial_tile rows of a channels-last block)
// merged in a fixed order, whether the pieces ran on one thread or many:
// results are bit-identical for any thread count.
#ifndef SIMDNORM_OPS_CHANNEL_STATS_H_
#define SIMDNORM_OPS_CHANNEL_STATS_H_

#include <algorithm>
#include <cstdint>
#include <new>
#include <vector>

#include "common/line_aligned.h"
#include "common/moments.h"
#include "common/storage.h"
#include "common/unit_stats.h"
#include "kernels/channel_kernels.h"
#include "kernels/coefficient_kernels.h"
#include "runtime/context.h"

namespace simdnorm::internal {

// Moments of one normalization group (unscaled, of x - pivot) and the scale
// its normalize pass uses.
struct GroupStat {
  Moments moments;
  float pivot = 0.0f;
  float scale = 1.0f;
};

// Contiguous spans of one group: span i is [base + i * span_stride,
// base + i * span_stride + span_len). NCHW GroupNorm: one span of
// (C / G) * S; NCHW BatchNorm: N spans of S, stride C * S.
struct SpanSet {
  ConstTypedPtr base;
  int64_t spans = 1;
  int64_t span_len = 0;
  int64_t span_stride = 0;
  ConstTypedPtr At(int64_t i) const { return base + i * span_stride; }
};

// Moments of a span set: chunks of at most chunk_elems per span, in span
// order, merged in that order. `parallel` runs the chunks on the context's
// threads (same result). Retries at a scale if needed.
GroupStat SpanSetStats(const simdnorm_context& ctx, const SpanSet& set,
                       int64_t block_elems, int64_t chunk_elems, float eps,
                       bool parallel);

// Statistics of `sets` span sets that interleave in memory: set c is `set`
// moved by c * set.span_len (NCHW BatchNorm: set c is channel c of every
// sample), for short spans. The spans are read in memory order, sample by
// sample, instead of set by set (which jumps across the whole tensor for
// every span of a few cache lines). A set's values go into fp32 lane sums
// (ChannelKernels::span_lane_sums) over blocks of whole spans of about
// block_elems values, each block's lanes are added in double and the
// blocks merged in order; a set that needs a rescale is redone as
// SpanSetStats. The same results for any thread count (`parallel`: ranges
// of sets on the threads).
void InterleavedSpanSetStats(const simdnorm_context& ctx, const SpanSet& set,
                             int64_t sets, int64_t block_elems, float eps,
                             bool parallel, GroupStat* out);

// Moments of groups of `group_size` adjacent columns of a channels-last
// block x[rows, channels] (row stride `stride`), over tiles of tile_rows
// rows; per tile a group's channel sums are added, and the group's tile
// moments merge tile by tile.
// out has channels / group_size entries. `parallel`: tiles on the threads.
void ColumnGroupStats(const simdnorm_context& ctx, ConstTypedPtr x, int64_t rows,
                      int64_t stride, int64_t channels, int64_t group_size,
                      int64_t tile_rows, float eps, bool parallel,
                      GroupStat* out);

// BatchNorm batch statistics of a channels-last block x[rows, f.n] (row
// stride `stride`) that is a single tile of ColumnGroupStats: pivots and
// column sums as there, then everything per channel in vectors
// (CoefficientKernels::batch_statistics; f's inputs other than the sums,
// pivots and count are the caller's). The same bits as ColumnGroupStats and
// the per-channel finish; false, with nothing written, where that path's
// retry may be needed.
bool SingleTileBatchStatistics(const simdnorm_context& ctx, ConstTypedPtr x,
                               int64_t rows, int64_t stride,
                               BatchStatisticsFinish f);

// SpanSetStats (not parallel) run a few chunks at a time on the caller's
// thread, so that other work can be interleaved with it (the previous
// unit's normalize pass: its stores then overlap these reads). Same
// results as SpanSetStats.
class SpanStatsInProgress {
 public:
  SpanStatsInProgress(const simdnorm_context& ctx, const SpanSet& set,
                      int64_t block_elems, int64_t chunk_elems);
  int64_t chunks() const { return set_.spans * per_span_; }
  // Adds chunks [done, end_chunk) to the moments, in chunk order.
  void AdvanceTo(int64_t end_chunk);
  // Where chunk `chunk` starts, for a caller that prefetches `elems`
  // values from there before advancing past it; null if they would run
  // past the chunk's span.
  const void* PrefetchAt(int64_t chunk, int64_t elems) const;
  // The remaining chunks, then a scaled pass if the values need one.
  GroupStat Finish(float eps);

 private:
  const simdnorm_context& ctx_;
  SpanSet set_;
  int64_t block_elems_, chunk_elems_, per_span_;
  int64_t done_ = 0;
  GroupStat stat_;
};

// Units [b, e) of a two-pass op on the caller's thread: the statistics of
// span_of(u), then normalize(u, stat, following). With read_ahead,
// `following` is the next unit's SpanStatsInProgress, which normalize
// advances piece by piece (its reads then overlap with the stores);
// otherwise it is null and the next unit's statistics come after. Same
// results either way.
template <class SpanOf, class Normalize>
void RunTwoPassUnits(const simdnorm_context& ctx, int64_t block_elems,
                     int64_t chunk_elems, float eps, int64_t b, int64_t e,
                     bool read_ahead, const SpanOf& span_of,
                     const Normalize& normalize) {
  if (b == e) return;  // an empty range: not even a first unit
  GroupStat stat =
      SpanSetStats(ctx, span_of(b), block_elems, chunk_elems, eps, false);
  for (int64_t u = b; u < e; ++u) {
    if (!read_ahead || u + 1 == e) {
      normalize(u, stat, static_cast<SpanStatsInProgress*>(nullptr));
      if (u + 1 < e) {
        stat = SpanSetStats(ctx, span_of(u + 1), block_elems, chunk_elems, eps,
                            false);
      }
      continue;
    }
    SpanStatsInProgress following(ctx, span_of(u + 1), block_elems,
                                  chunk_elems);
    normalize(u, stat, &following);
    stat = following.Finish(eps);
  }
}

// ColumnGroupStats (not parallel) run one tile at a time on the caller's
// thread, so that other work can be interleaved with it (the previous
// sample's normalize pass: its stores then overlap these reads). Same
// results as ColumnGroupStats.
class ColumnStatsInProgress {
 public:
  ColumnStatsInProgress(const simdnorm_context& ctx, ConstTypedPtr x,
                        int64_t rows, int64_t stride, int64_t channels,
                        int64_t group_size, int64_t tile_rows);
  ColumnStatsInProgress(const ColumnStatsInProgress&) = delete;
  ColumnStatsInProgress& operator=(const ColumnStatsInProgress&) = delete;
  int64_t tiles() const { return tiles_; }
  // Sums tiles [done, end_tile) into the moments, in tile order.
  void AdvanceTo(int64_t end_tile);
  // The remaining tiles, then a scaled pass for groups that need one
  // (`parallel`: both passes on the context's threads, if no tile was
  // advanced yet; same results).
  void Finish(float eps, bool parallel, GroupStat* out);

 private:
  // Up to this many channels the scratch lives in the object (on the
  // caller's stack): small calls cost no heap allocation.
  static constexpr int64_t kInlineChannels = 64;

  const simdnorm_context& ctx_;
  ConstTypedPtr x_;
  int64_t rows_, stride_, channels_, group_size_, tile_rows_, tiles_;
  int64_t done_ = 0;
  float* scale_;     // per channel
  float* pivot_;     // per channel
  float* pivots_;    // per group
  Moments* totals_;  // per group
  double* sums_;     // 2 per channel
  float inline_floats_[3 * kInlineChannels];
  Moments inline_totals_[kInlineChannels];
  double inline_sums_[2 * kInlineChannels];
  std::vector<float> heap_floats_;
  std::vector<Moments> heap_totals_;
  std::vector<double> heap_sums_;
};

// Per-channel buffers of the normalize form y = act((x * scale - pivot)
// * mul + add). Small channel counts (a GroupNorm unit) live inline, so a
// unit costs no heap allocation. Each array starts on a cache line:
// channels-last runs load them at vector-aligned channel offsets, and an
// array off its line made every one of those loads cross two lines
// (GroupNorm NHWC 2x320x64x64 ran at 2x its time whenever malloc's
// 16-byte alignment fell off a line).
class CoefficientBuffers {
 public:
  explicit CoefficientBuffers(int64_t channels)
      : channels_(channels),
        storage_(static_cast<size_t>(4 * Span(channels))) {
    const int64_t span = Span(channels);
    float* base = storage_.data();
    if (base == nullptr) throw std::bad_alloc();  // as a vector would
    scale = base;
    pivot = base + span;
    mul = base + 2 * span;
    add = base + 3 * span;
  }
  CoefficientBuffers(const CoefficientBuffers&) = delete;
  CoefficientBuffers& operator=(const CoefficientBuffers&) = delete;

  // View starting at channel `first`; scale is null when every channel's
  // scale is 1 (the kernels then skip it).
  ChannelCoefficients At(int64_t first) const {
    ChannelCoefficients k;
    k.scale = unit_scale ? nullptr : scale + first;
    k.scaled_pivot = pivot + first;
    k.mul = mul + first;
    k.add = add + first;
    return k;
  }
  int64_t channels() const { return channels_; }

  // The view of all channels, with the first `lanes` (<= kCoefficientWrap)
  // entries repeated cyclically past the last channel: for contiguous
  // channels-last rows (see ChannelCoefficients::wrap). Call after the
  // coefficients are written.
  ChannelCoefficients Wrapped(int64_t lanes) {
    lanes = std::min(lanes, kCoefficientWrap);
    for (float* a : {scale, pivot, mul, add}) {
      if (lanes <= channels_) {  // one copy (small calls pay per entry)
        std::copy_n(a, lanes, a + channels_);
        continue;
      }
      for (int64_t j = 0, from = 0; j < lanes; ++j) {
        a[channels_ + j] = a[from];
        if (++from == channels_) from = 0;
      }
    }
    ChannelCoefficients k = At(0);
    k.wrap = lanes;
    return k;
  }

  float* scale;
  float* pivot;
  float* mul;
  float* add;
  // Whether every scale written is 1; writers that store another value
  // clear it.
  bool unit_scale = true;

 private:
  static constexpr int64_t kInlineChannels = 64;
  static constexpr int64_t Span(int64_t channels) {
    return RoundUpToLine(channels + kCoefficientWrap);
  }
  int64_t channels_;
  LineAlignedFloats<4 * RoundUpToLine(kInlineChannels + kCoefficientWrap)>
      storage_;
};

// Channel i of `out` for a group with stats s and its finished stats st
// (the arithmetic of GroupCoefficients, shared so that results match).
// g, b: the channel's gamma and beta (1 and 0 when absent).
inline void SetChannelCoefficients(const GroupStat& s, const UnitStats& st,
                                   double g, double b, int64_t i,
                                   CoefficientBuffers* out) {
  const double a = st.rstd * g;
  const double shift = s.moments.mean;  // mean - pivot, unscaled
  // x / 1 == x exactly: no division in the common case.
  const ChannelMultiplier m = FitMultiplier(
      s.scale == 1.0f ? a : a / s.scale, st.scale, st.scaled_pivot);
  out->scale[i] = m.scale;
  out->pivot[i] = m.scaled_pivot;
  out->mul[i] = m.mul;
  // A constant group has shift == 0: add is exactly beta.
  out->add[i] = static_cast<float>(b - shift * a);
  if (m.scale != 1.0f) out->unit_scale = false;
}

// Fills channels [first, first + count) of `out` for a group with stats s:
// mul = rstd * gamma / scale, add = beta - (mean - pivot) * rstd * gamma, in
// double, rounded once. gamma/beta are indexed by channel (null = 1 / 0).
// Returns mean and rstd of the group (rstd NaN if it holds NaN or Inf).
UnitStats GroupCoefficients(const GroupStat& s, float eps, const float* gamma,
                            const float* beta, int64_t first, int64_t count,
                            CoefficientBuffers* out);

}  // namespace simdnorm::internal

#endif  // SIMDNORM_OPS_CHANNEL_STATS_H_
