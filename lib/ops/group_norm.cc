#include "ops/group_norm.h"

#include <algorithm>
#include <vector>

#include "ops/channel_stats.h"
#include "runtime/parallel.h"

namespace simdnorm {
namespace {

int64_t GroupSize(const GroupNormProblem& p) { return p.channels / p.groups; }

TileParams ParamsFor(const simdnorm_context& ctx,
                            const GroupNormProblem& p) {
  return ctx.tuning.Lookup(
      p.instance ? OpKind::kInstanceNorm : OpKind::kGroupNorm, p.layout,
      ctx.kernels.target, GroupSize(p) * p.spatial);
}

void StoreUnitStats(const GroupNormProblem& p, int64_t unit,
                    const UnitStats& st) {
  if (p.mean) p.mean[unit] = static_cast<float>(st.mean);
  if (p.rstd) p.rstd[unit] = static_cast<float>(st.rstd);
}

// ---------------------------------------------------------------- NCHW
// A unit (n, g) is the contiguous span x[n, g * Cg : (g + 1) * Cg, :].

int64_t UnitOffset(const GroupNormProblem& p, int64_t unit) {
  return unit * GroupSize(p) * p.spatial;
}

// `parallel` splits the unit's reduction and normalize pass into fixed
// chunks on the context's threads (for fewer units than threads).
void RunUnitNchw(const simdnorm_context& ctx, const GroupNormProblem& p,
                 const TileParams& t, int64_t unit, bool parallel) {
  const int64_t cg = GroupSize(p);
  const int64_t len = cg * p.spatial;
  const int64_t offset = UnitOffset(p, unit);
  SpanSet set;
  set.base = p.x + offset;
  set.span_len = len;
  const GroupStat s =
      SpanSetStats(ctx, set, t.block_elems, t.chunk_elems, p.eps, parallel);

  const int64_t c0 = (unit % p.groups) * cg;
  CoefficientBuffers k(cg);
  StoreUnitStats(p, unit,
                 GroupCoefficients(s, p.eps, p.gamma ? p.gamma + c0 : nullptr,
                                   p.beta ? p.beta + c0 : nullptr, 0, cg, &k));
  const ChannelKernels& kern = *ctx.kernels.channel;
  const float* x = p.x + offset;
  float* y = p.y + offset;
  if (p.spatial == 1) {  // [N, C]: the group is one row of channels
    kern.normalize_channels_last(x, y, 1, cg, cg, k.At(0), p.activation);
    return;
  }
  if (!parallel) {
    kern.normalize_channels_first(x, y, cg, p.spatial, k.At(0), p.activation);
    return;
  }
  // Element-wise: any split gives the same values.
  const int64_t pieces_per_channel =
      (p.spatial + t.chunk_elems - 1) / t.chunk_elems;
  ParallelFor(ctx, cg * pieces_per_channel, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t c = i / pieces_per_channel;
      const int64_t s0 = (i % pieces_per_channel) * t.chunk_elems;
      const int64_t at = c * p.spatial + s0;
      kern.normalize_channels_first(x + at, y + at, 1,
                                    std::min(t.chunk_elems, p.spatial - s0),
                                    k.At(c), p.activation);
    }
  });
}

// ---------------------------------------------------------------- NHWC
// Sample n is the block x[n] of S rows of C channels; groups [g0, g1) are
// adjacent columns of it.

void RunGroupsNhwc(const simdnorm_context& ctx, const GroupNormProblem& p,
                   const TileParams& t, int64_t n, int64_t g0, int64_t g1,
                   bool parallel) {
  const int64_t cg = GroupSize(p);
  const int64_t c0 = g0 * cg;
  const int64_t width = (g1 - g0) * cg;
  const int64_t C = p.channels;
  const float* x = p.x + n * p.spatial * C + c0;
  float* y = p.y + n * p.spatial * C + c0;
  std::vector<GroupStat> stats(g1 - g0);
  ColumnGroupStats(ctx, x, p.spatial, C, width, cg, t.spatial_tile, p.eps,
                   parallel, stats.data());
  CoefficientBuffers k(width);
  for (int64_t g = g0; g < g1; ++g) {
    const int64_t c = g * cg;
    StoreUnitStats(p, n * p.groups + g,
                   GroupCoefficients(stats[g - g0], p.eps,
                                     p.gamma ? p.gamma + c : nullptr,
                                     p.beta ? p.beta + c : nullptr, c - c0,
                                     cg, &k));
  }
  const ChannelKernels& kern = *ctx.kernels.channel;
  const int64_t tiles = (p.spatial + t.spatial_tile - 1) / t.spatial_tile;
  const auto normalize_tiles = [&](int64_t b, int64_t e) {
    const int64_t r0 = b * t.spatial_tile;
    const int64_t r1 = std::min(p.spatial, e * t.spatial_tile);
    kern.normalize_channels_last(x + r0 * C, y + r0 * C, r1 - r0, C, width,
                                 k.At(0), p.activation);
  };
  if (parallel) {
    ParallelFor(ctx, tiles, 1, normalize_tiles);
  } else {
    normalize_tiles(0, tiles);
  }
}

void RunUnitsSequential(const simdnorm_context& ctx, const GroupNormProblem& p,
                        const TileParams& t, int64_t begin, int64_t end) {
  if (p.layout == SIMDNORM_NCHW) {
    for (int64_t unit = begin; unit < end; ++unit) {
      RunUnitNchw(ctx, p, t, unit, false);
    }
    return;
  }
  while (begin < end) {
    const int64_t n = begin / p.groups;
    const int64_t g0 = begin % p.groups;
    const int64_t g1 = std::min(p.groups, g0 + (end - begin));
    RunGroupsNhwc(ctx, p, t, n, g0, g1, false);
    begin += g1 - g0;
  }
}

}  // namespace

void RunGroupNormSlice(const simdnorm_context& ctx, const GroupNormProblem& p,
                       int64_t begin, int64_t end) {
  RunUnitsSequential(ctx, p, ParamsFor(ctx, p), begin, end);
}

void RunGroupNorm(const simdnorm_context& ctx, const GroupNormProblem& p) {
  const TileParams t = ParamsFor(ctx, p);
  const int64_t units = p.batch * p.groups;
  const int64_t unit_elems = GroupSize(p) * p.spatial;
  const int64_t unit_bytes = unit_elems * int64_t{2 * sizeof(float)};
  if (!WorthParallel(ctx, units * unit_bytes, t.inline_bytes)) {
    return RunUnitsSequential(ctx, p, t, 0, units);
  }
  if (p.layout == SIMDNORM_NCHW) {
    if (units < ctx.concurrency && unit_elems >= t.split_elems) {
      for (int64_t unit = 0; unit < units; ++unit) {
        RunUnitNchw(ctx, p, t, unit, true);
      }
      return;
    }
    const int64_t grain = std::max<int64_t>(1, t.task_bytes / unit_bytes);
    ParallelFor(ctx, units, grain, [&](int64_t b, int64_t e) {
      RunUnitsSequential(ctx, p, t, b, e);
    });
    return;
  }
  // NHWC: a task is one sample (all its groups share each row's cache
  // lines); with fewer samples than threads, split each sample into tiles.
  if (p.batch < ctx.concurrency) {
    for (int64_t n = 0; n < p.batch; ++n) {
      RunGroupsNhwc(ctx, p, t, n, 0, p.groups, true);
    }
    return;
  }
  ParallelFor(ctx, p.batch, 1, [&](int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) {
      RunGroupsNhwc(ctx, p, t, n, 0, p.groups, false);
    }
  });
}

}  // namespace simdnorm
