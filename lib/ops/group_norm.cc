#include "ops/group_norm.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "ops/channel_output.h"
#include "ops/channel_stats.h"
#include "ops/partition.h"
#include "ops/prefetch.h"
#include "runtime/parallel.h"

namespace simdnorm::internal {
namespace {

int64_t GroupSize(const GroupNormProblem& p) { return p.channels / p.groups; }

TileParams ParamsFor(const simdnorm_context& ctx,
                            const GroupNormProblem& p) {
  return ctx.tuning.Lookup(
      p.instance ? OpKind::kInstanceNorm : OpKind::kGroupNorm, p.layout,
      p.dtype(), ctx.kernels.target, GroupSize(p) * p.spatial);
}

void StoreUnitStats(const GroupNormProblem& p, int64_t unit,
                    const UnitStats& st) {
  if (p.mean) p.mean[unit] = static_cast<float>(st.mean);
  if (p.rstd) p.rstd[unit] = static_cast<float>(st.rstd);
}

// Whether y goes out with non-temporal stores: each thread's share of the
// whole output (not just of this slice) is at least stream_bytes. With all
// cores writing a mid-size output, x and y still fit the shared last-level
// cache together and ordinary stores measured faster there (about 2x for
// 8-10 MB on 2 cores); one core's stores are bound by its own bandwidth.
bool StreamOutput(const GroupNormProblem& p, const TileParams& t,
                  int threads) {
  return p.batch * p.channels * p.spatial *
             static_cast<int64_t>(StorageBytes(p.dtype())) >=
         t.stream_bytes * threads;
}

// ---------------------------------------------------------------- NCHW
// A unit (n, g) is the contiguous span x[n, g * Cg : (g + 1) * Cg, :].

// Offset of unit (n, g) within sample n.
int64_t UnitOffset(const GroupNormProblem& p, int64_t unit) {
  return unit % p.groups * GroupSize(p) * p.spatial;
}

ConstTypedPtr UnitX(const GroupNormProblem& p, int64_t unit) {
  return p.x_sample(unit / p.groups) + UnitOffset(p, unit);
}

SpanSet UnitSpan(const GroupNormProblem& p, int64_t unit) {
  SpanSet set;
  set.base = UnitX(p, unit);
  set.span_len = GroupSize(p) * p.spatial;
  return set;
}

// The normalize pass of a unit with statistics s. `parallel` splits it
// into pieces on the context's threads (for fewer units than threads).
// `following` (optional): the statistics of the unit this thread runs
// next, advanced piece by piece, each piece prefetching what the next
// advance reads: those reads (from memory) then overlap with this pass's
// stores, as in a copy, instead of alternating with them.
void NormalizeUnitNchw(const simdnorm_context& ctx, const GroupNormProblem& p,
                       const TileParams& t, int64_t unit, const GroupStat& s,
                       bool parallel, bool stream,
                       SpanStatsInProgress* following) {
  const int64_t cg = GroupSize(p);
  const int64_t S = p.spatial;
  const int64_t c0 = (unit % p.groups) * cg;
  CoefficientBuffers k(cg);
  StoreUnitStats(p, unit,
                 GroupCoefficients(s, p.eps, p.gamma ? p.gamma + c0 : nullptr,
                                   p.beta ? p.beta + c0 : nullptr, 0, cg, &k));
  const ChannelKernels& kern = ctx.kernels.ChannelFor(p.dtype());
  const ConstTypedPtr x = UnitX(p, unit);
  const TypedPtr y = p.y_sample(unit / p.groups) + UnitOffset(p, unit);
  if (S == 1) {  // [N, C]: the group is one row of channels
    NormalizeChannelsLastInto(kern, x, y, 1, cg, cg, k.At(0), p.activation,
                              false, nullptr, p.y_quant);
    if (following) following->AdvanceTo(following->chunks());
    return;
  }
  // Element-wise, so any split gives the same values. Pieces of about
  // chunk_elems (whole channels, or parts of one), last piece first: the
  // stats pass just read the unit front to back, so its end is the part
  // still in L1/L2 (a unit larger than L2 then re-reads only its front
  // from L3). With a following unit, first piece first: piece i then
  // prefetches about the following unit's chunk i, which has its length.
  const int64_t chunk = t.chunk_elems;
  const int64_t channels_per_piece = S >= chunk ? 1 : chunk / S;
  const int64_t parts_per_channel = S >= chunk ? (S + chunk - 1) / chunk : 1;
  const int64_t part_len = S >= chunk ? chunk : S;
  const int64_t pieces =
      S >= chunk ? cg * parts_per_channel
                 : (cg + channels_per_piece - 1) / channels_per_piece;
  const int64_t following_chunks = following ? following->chunks() : 0;
  const auto run = [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t piece = following ? i : pieces - 1 - i;
      int64_t c, s0, channels, n;
      if (S >= chunk) {
        c = piece / parts_per_channel;
        s0 = (piece % parts_per_channel) * part_len;
        channels = 1;
        n = std::min(part_len, S - s0);
      } else {
        c = piece * channels_per_piece;
        s0 = 0;
        channels = std::min(channels_per_piece, cg - c);
        n = S;
      }
      const int64_t at = c * S + s0;
      // The following unit's chunks read after this piece.
      const int64_t first = i * following_chunks / pieces;
      const int64_t next = (i + 1) * following_chunks / pieces;
      NormalizeChannelsFirstInto(
          kern, x + at, y + at, channels, n, k.At(c), p.activation, stream,
          following ? following->PrefetchAt(first, channels * n) : nullptr,
          p.y_quant);
      if (following) following->AdvanceTo(next);
    }
  };
  if (parallel) {
    ParallelFor(ctx, pieces, 1, run);
  } else {
    run(0, pieces);
  }
}

// Units of at most block_elems values (many channels, small spatial
// extent: InstanceNorm over 7x7, GroupNorm heads). Per unit, the setup
// above (pivot, piece plan, coefficients, one normalize call) costs more
// than the unit's arithmetic, so adjacent units of a sample go in tiles:
// the statistics of a tile's units in one memory-order pass (each unit's
// values as if alone: the same for any tiling, thread count or slice),
// then one normalize pass over the tile's channels while they are cached.
bool ShortUnits(const GroupNormProblem& p, const TileParams& t) {
  return p.layout == SIMDNORM_NCHW && GroupSize(p) * p.spatial <= t.block_elems;
}

// Channels per tile at most: bounds the coefficient scratch (16 KiB).
constexpr int64_t kShortTileChannels = 1024;

void RunShortUnitsNchw(const simdnorm_context& ctx, const GroupNormProblem& p,
                       const TileParams& t, int64_t begin, int64_t end,
                       bool stream) {
  const int64_t cg = GroupSize(p);
  const int64_t len = cg * p.spatial;
  const int64_t tile_units = std::max<int64_t>(
      1, std::min(t.chunk_elems / len, kShortTileChannels / cg));
  CoefficientBuffers k(std::min(tile_units, end - begin) * cg);
  std::vector<GroupStat> stats(std::min(tile_units, end - begin));
  const ChannelKernels& kern = ctx.kernels.ChannelFor(p.dtype());
  int64_t n = begin / p.groups;
  int64_t g = begin % p.groups;
  for (int64_t unit = begin; unit < end;) {
    const int64_t count = std::min({tile_units, end - unit, p.groups - g});
    SpanSet set;
    set.base = p.x_sample(n) + g * len;
    set.span_len = len;
    InterleavedSpanSetStats(ctx, set, count, t.block_elems, p.eps, false,
                            stats.data());
    k.unit_scale = true;
    for (int64_t i = 0; i < count; ++i) {
      const int64_t c0 = (g + i) * cg;
      StoreUnitStats(p, unit + i,
                     GroupCoefficients(stats[i], p.eps,
                                       p.gamma ? p.gamma + c0 : nullptr,
                                       p.beta ? p.beta + c0 : nullptr, i * cg,
                                       cg, &k));
    }
    const TypedPtr y = p.y_sample(n) + g * len;
    if (p.spatial == 1) {  // [N, C]: the tile is one row of channels
      NormalizeChannelsLastInto(kern, set.base, y, 1, count * cg, count * cg,
                                k.At(0), p.activation, false, nullptr,
                                p.y_quant);
    } else {
      NormalizeChannelsFirstInto(kern, set.base, y, count * cg, p.spatial,
                                 k.At(0), p.activation, stream, nullptr,
                                 p.y_quant);
    }
    unit += count;
    g += count;
    if (g == p.groups) {
      g = 0;
      ++n;
    }
  }
}

// ---------------------------------------------------------------- NHWC
// Sample n is the block x[n] of S rows of C channels; groups [g0, g1) are
// adjacent columns of it.

void RunGroupsNhwc(const simdnorm_context& ctx, const GroupNormProblem& p,
                   const TileParams& t, int64_t n, int64_t g0, int64_t g1,
                   bool parallel, bool stream) {
  const int64_t cg = GroupSize(p);
  const int64_t c0 = g0 * cg;
  const int64_t width = (g1 - g0) * cg;
  const int64_t C = p.channels;
  const ConstTypedPtr x = p.x_sample(n) + c0;
  const TypedPtr y = p.y_sample(n) + c0;
  GroupStat few_stats[32];
  std::vector<GroupStat> many_stats;
  GroupStat* stats = few_stats;
  if (g1 - g0 > 32) {
    many_stats.resize(g1 - g0);
    stats = many_stats.data();
  }
  ColumnGroupStats(ctx, x, p.spatial, C, width, cg, t.spatial_tile, p.eps,
                   parallel, stats);
  CoefficientBuffers k(width);
  for (int64_t g = g0; g < g1; ++g) {
    const int64_t c = g * cg;
    StoreUnitStats(p, n * p.groups + g,
                   GroupCoefficients(stats[g - g0], p.eps,
                                     p.gamma ? p.gamma + c : nullptr,
                                     p.beta ? p.beta + c : nullptr, c - c0,
                                     cg, &k));
  }
  const ChannelKernels& kern = ctx.kernels.ChannelFor(p.dtype());
  // Blocks of about chunk_elems values, last block first (its rows were the
  // last the stats pass read, so they are still in L2).
  const int64_t block_rows = std::max<int64_t>(1, t.chunk_elems / width);
  const int64_t blocks = (p.spatial + block_rows - 1) / block_rows;
  // All channels: contiguous rows, one aligned run (wrapped coefficients).
  const ChannelCoefficients coefficients =
      width == C ? k.Wrapped(ctx.kernels.row->f32_lanes()) : k.At(0);
  const auto normalize_blocks = [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t r0 = (blocks - 1 - i) * block_rows;
      const int64_t r1 = std::min(p.spatial, r0 + block_rows);
      NormalizeChannelsLastInto(kern, x + r0 * C, y + r0 * C, r1 - r0, C, width,
                                coefficients, p.activation, stream, nullptr,
                                p.y_quant);
    }
  };
  if (parallel) {
    ParallelFor(ctx, blocks, 1, normalize_blocks);
  } else {
    normalize_blocks(0, blocks);
  }
}

// Whole samples [n0, n1) on the caller's thread, software-pipelined: the
// statistics pass of the next sample (reads from memory) runs interleaved,
// tile by tile, with the normalize pass of this one (re-reads from cache,
// writes y), and the rows it reads next are prefetched while the normalize
// pass is bound by its stores; reads and writes then overlap as in a copy
// instead of alternating. Same results as RunGroupsNhwc per sample.
// (Cutting short pipelines into column slabs for more stages measured
// slower: strided partial rows.)
void RunSamplesNhwc(const simdnorm_context& ctx, const GroupNormProblem& p,
                    const TileParams& t, int64_t n0, int64_t n1,
                    bool stream) {
  const int64_t C = p.channels;
  const int64_t G = p.groups;
  const int64_t cg = GroupSize(p);
  const int64_t S = p.spatial;
  std::vector<GroupStat> cur(G), next(G);
  ColumnStatsInProgress(ctx, p.x_sample(n0), S, C, C, cg, t.spatial_tile)
      .Finish(p.eps, false, cur.data());
  CoefficientBuffers k(C);
  const ChannelKernels& kern = ctx.kernels.ChannelFor(p.dtype());
  const int64_t block_rows = std::max<int64_t>(1, t.chunk_elems / C);
  const int64_t blocks = (S + block_rows - 1) / block_rows;
  for (int64_t n = n0; n < n1; ++n) {
    k.unit_scale = true;
    for (int64_t g = 0; g < G; ++g) {
      const int64_t c = g * cg;
      StoreUnitStats(p, n * G + g,
                     GroupCoefficients(cur[g], p.eps,
                                       p.gamma ? p.gamma + c : nullptr,
                                       p.beta ? p.beta + c : nullptr, c, cg,
                                       &k));
    }
    const ChannelCoefficients wrapped =
        k.Wrapped(ctx.kernels.row->f32_lanes());
    std::unique_ptr<ColumnStatsInProgress> following;
    if (n + 1 < n1) {
      following = std::make_unique<ColumnStatsInProgress>(
          ctx, p.x_sample(n + 1), S, C, C, cg, t.spatial_tile);
    }
    const ConstTypedPtr x = p.x_sample(n);
    const TypedPtr y = p.y_sample(n);
    // Last block first: those rows are the most recently read.
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t r0 = (blocks - 1 - b) * block_rows;
      const int64_t r1 = std::min(S, r0 + block_rows);
      // The rows of the next sample its statistics read next.
      const int64_t ahead = b * block_rows;
      const void* prefetch = following && ahead + (r1 - r0) <= S
                                 ? (p.x_sample(n + 1) + ahead * C).p
                                 : nullptr;
      NormalizeChannelsLastInto(kern, x + r0 * C, y + r0 * C, r1 - r0, C, C,
                                wrapped, p.activation, stream, prefetch,
                                p.y_quant);
      if (following) {
        following->AdvanceTo((b + 1) * following->tiles() / blocks);
      }
    }
    if (following) {
      following->Finish(p.eps, false, next.data());
      cur.swap(next);
    }
  }
}

void RunUnitsSequential(const simdnorm_context& ctx, const GroupNormProblem& p,
                        const TileParams& t, int64_t begin, int64_t end,
                        bool stream) {
  if (ShortUnits(p, t)) {
    return RunShortUnitsNchw(ctx, p, t, begin, end, stream);
  }
  if (p.layout == SIMDNORM_NCHW) {
    const int64_t elem_bytes = StorageBytes(p.dtype());
    RunTwoPassUnits(
        ctx, t.block_elems, t.chunk_elems, p.eps, begin, end,
        TensorsFromMemory(p.batch * p.channels * p.spatial * 2 * elem_bytes, t),
        [&p](int64_t unit) { return UnitSpan(p, unit); },
        [&](int64_t unit, const GroupStat& s, SpanStatsInProgress* following) {
          NormalizeUnitNchw(ctx, p, t, unit, s, false, stream, following);
        });
    return;
  }
  while (begin < end) {
    const int64_t n = begin / p.groups;
    const int64_t g0 = begin % p.groups;
    if (g0 == 0 && end - begin >= p.groups) {
      const int64_t n1 = end / p.groups;  // whole samples [n, n1)
      RunSamplesNhwc(ctx, p, t, n, n1, stream);
      begin = n1 * p.groups;
      continue;
    }
    const int64_t g1 = std::min(p.groups, g0 + (end - begin));
    RunGroupsNhwc(ctx, p, t, n, g0, g1, false, stream);
    begin += g1 - g0;
  }
}

}  // namespace

void RunGroupNormSlice(const simdnorm_context& ctx, const GroupNormProblem& p,
                       int64_t begin, int64_t end) {
  const TileParams t = ParamsFor(ctx, p);
  RunUnitsSequential(ctx, p, t, begin, end, StreamOutput(p, t, 1));
}

void RunGroupNorm(const simdnorm_context& ctx, const GroupNormProblem& p) {
  const TileParams t = ParamsFor(ctx, p);
  const int64_t units = p.batch * p.groups;
  const int64_t unit_elems = GroupSize(p) * p.spatial;
  const int64_t unit_bytes =
      unit_elems * 2 * static_cast<int64_t>(StorageBytes(p.dtype()));
  if (!WorthParallel(ctx, units * unit_bytes, t.inline_bytes)) {
    return RunUnitsSequential(ctx, p, t, 0, units, StreamOutput(p, t, 1));
  }
  const bool stream = StreamOutput(p, t, ctx.concurrency);
  if (p.layout == SIMDNORM_NCHW) {
    if (units < ctx.concurrency && unit_elems >= t.split_elems) {
      for (int64_t unit = 0; unit < units; ++unit) {
        const GroupStat s = SpanSetStats(ctx, UnitSpan(p, unit),
                                         t.block_elems, t.chunk_elems, p.eps,
                                         true);
        NormalizeUnitNchw(ctx, p, t, unit, s, true, stream, nullptr);
      }
      return;
    }
    const int64_t grain = TaskGrain(ctx, units, unit_bytes, t.task_bytes);
    ParallelFor(ctx, units, grain, [&](int64_t b, int64_t e) {
      RunUnitsSequential(ctx, p, t, b, e, stream);
    });
    return;
  }
  // NHWC: a task is one sample (all its groups share each row's cache
  // lines); with fewer samples than threads, split each sample into tiles.
  if (p.batch < ctx.concurrency) {
    for (int64_t n = 0; n < p.batch; ++n) {
      RunGroupsNhwc(ctx, p, t, n, 0, p.groups, true, stream);
    }
    return;
  }
  // A few samples per task, so that each task's pipeline has some length.
  const int64_t grain =
      std::max<int64_t>(1, p.batch / (4 * int64_t{ctx.concurrency}));
  ParallelFor(ctx, p.batch, grain, [&](int64_t b, int64_t e) {
    RunSamplesNhwc(ctx, p, t, b, e, stream);
  });
}

}  // namespace simdnorm::internal
