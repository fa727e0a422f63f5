#include "ops/channel_stats.h"

#include <algorithm>
#include <cmath>

#include "runtime/parallel.h"

namespace simdnorm {
namespace {

struct Chunk {
  const float* x;
  int64_t len;
};

std::vector<Chunk> ChunksOf(const SpanSet& set, int64_t chunk_elems) {
  std::vector<Chunk> chunks;
  for (int64_t i = 0; i < set.spans; ++i) {
    for (int64_t b = 0; b < set.span_len; b += chunk_elems) {
      chunks.push_back({set.At(i) + b, std::min(chunk_elems, set.span_len - b)});
    }
  }
  return chunks;
}

Moments ChunkMoments(const RowKernels& k, const Chunk& c, float pivot,
                     float scale, int64_t block_elems) {
  MomentsSource src;
  src.x = c.x;
  src.scale = scale;
  src.scaled_pivot = pivot * scale;
  return UnscaleMoments(k.moments(src, c.len, block_elems, true), scale);
}

Moments SpanSetMoments(const simdnorm_context& ctx,
                       const std::vector<Chunk>& chunks, float pivot,
                       float scale, int64_t block_elems, bool parallel) {
  const RowKernels& k = *ctx.kernels.row;
  Moments total;
  if (!parallel || chunks.size() == 1) {
    for (const Chunk& c : chunks) {
      MergeMoments(total, ChunkMoments(k, c, pivot, scale, block_elems));
    }
    return total;
  }
  std::vector<Moments> parts(chunks.size());
  ParallelFor(ctx, static_cast<int64_t>(chunks.size()), 1,
              [&](int64_t b, int64_t e) {
                for (int64_t i = b; i < e; ++i) {
                  parts[i] = ChunkMoments(k, chunks[i], pivot, scale,
                                          block_elems);
                }
              });
  for (const Moments& part : parts) MergeMoments(total, part);
  return total;
}

// Column sums of all tiles; per tile a group's channels are added (same
// pivot and scale) and the group's tile moments merged, tile by tile.
// Fills `totals` (unscaled) per group.
void ColumnPass(const simdnorm_context& ctx, const float* x, int64_t rows,
                int64_t stride, int64_t channels, int64_t group_size,
                int64_t tile_rows, const std::vector<float>& scale,
                const std::vector<float>& scaled_pivot, bool parallel,
                std::vector<Moments>* totals) {
  const ChannelKernels& k = *ctx.kernels.channel;
  const int64_t groups = channels / group_size;
  const int64_t tiles = (rows + tile_rows - 1) / tile_rows;
  totals->assign(groups, Moments());
  // sums: 2 * channels doubles per tile (sum, then sum of squares).
  const auto tile_sums = [&](int64_t t, double* sums) {
    const int64_t r0 = t * tile_rows;
    k.column_sums(x + r0 * stride, std::min(tile_rows, rows - r0), stride,
                  channels, scale.data(), scaled_pivot.data(), sums,
                  sums + channels);
  };
  const auto merge_tile = [&](int64_t t, const double* sums) {
    const double count =
        static_cast<double>(std::min(tile_rows, rows - t * tile_rows) *
                            group_size);
    for (int64_t g = 0; g < groups; ++g) {
      double s1 = 0.0, s2 = 0.0;
      for (int64_t c = g * group_size; c < (g + 1) * group_size; ++c) {
        s1 += sums[c];
        s2 += sums[channels + c];
      }
      const float sc = scale[g * group_size];
      const Moments m = MomentsFromSums(count, s1, s2);
      MergeMoments((*totals)[g], sc == 1.0f ? m : UnscaleMoments(m, sc));
    }
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
    for (int64_t t = b; t < e; ++t) tile_sums(t, sums.data() + t * 2 * channels);
  });
  for (int64_t t = 0; t < tiles; ++t) {
    merge_tile(t, sums.data() + t * 2 * channels);
  }
}

}  // namespace

GroupStat SpanSetStats(const simdnorm_context& ctx, const SpanSet& set,
                       int64_t block_elems, int64_t chunk_elems, float eps,
                       bool parallel) {
  const std::vector<Chunk> chunks = ChunksOf(set, chunk_elems);
  const float* last = set.At(set.spans - 1);
  GroupStat s;
  // Median of first, middle and last: one of the values, rarely an outlier.
  s.pivot = MedianOf3(set.base[0], set.At(set.spans / 2)[set.span_len / 2],
                      last[set.span_len - 1]);
  s.moments = SpanSetMoments(ctx, chunks, s.pivot, 1.0f, block_elems, parallel);
  s.scale = RetryScale(s.moments, s.pivot, eps);
  if (s.scale != 1.0f) {
    s.moments =
        SpanSetMoments(ctx, chunks, s.pivot, s.scale, block_elems, parallel);
  }
  return s;
}

void ColumnGroupStats(const simdnorm_context& ctx, const float* x,
                      int64_t rows, int64_t stride, int64_t channels,
                      int64_t group_size, int64_t tile_rows, float eps,
                      bool parallel, GroupStat* out) {
  const int64_t groups = channels / group_size;
  std::vector<float> scale(channels, 1.0f), pivot(channels);
  for (int64_t g = 0; g < groups; ++g) {
    const float* first = x + g * group_size;
    out[g] = GroupStat();
    out[g].pivot = MedianOf3(first[0],
                             first[(rows / 2) * stride + group_size / 2],
                             first[(rows - 1) * stride + group_size - 1]);
    std::fill_n(pivot.begin() + g * group_size, group_size, out[g].pivot);
  }
  std::vector<Moments> totals;
  ColumnPass(ctx, x, rows, stride, channels, group_size, tile_rows, scale,
             pivot, parallel, &totals);
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
  if (!retry) return;
  // Groups at scale 1 get the same moments again; only the others change.
  ColumnPass(ctx, x, rows, stride, channels, group_size, tile_rows, scale,
             pivot, parallel, &totals);
  for (int64_t g = 0; g < groups; ++g) out[g].moments = totals[g];
}

UnitStats GroupCoefficients(const GroupStat& s, float eps, const float* gamma,
                            const float* beta, int64_t first, int64_t count,
                            CoefficientBuffers* out) {
  const UnitStats st = FinishStats(s.moments, s.pivot, s.scale, eps, true);
  const double shift = s.moments.mean;  // mean - pivot, unscaled
  for (int64_t i = 0; i < count; ++i) {
    const double g = gamma ? gamma[i] : 1.0;
    const double b = beta ? beta[i] : 0.0;
    const double a = st.rstd * g;
    out->scale[first + i] = st.scale;
    out->pivot[first + i] = st.scaled_pivot;
    out->mul[first + i] = static_cast<float>(a / s.scale);
    // A constant group has shift == 0: add is exactly beta.
    out->add[first + i] = static_cast<float>(b - shift * a);
  }
  return st;
}

}  // namespace simdnorm
