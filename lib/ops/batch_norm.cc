#include "ops/batch_norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/channel_stats.h"
#include "runtime/parallel.h"

namespace simdnorm {
namespace {

TileParams ParamsFor(const simdnorm_context& ctx,
                            const BatchNormProblem& p, bool training) {
  return ctx.tuning.Lookup(
      training ? OpKind::kBatchNormTraining : OpKind::kBatchNormInference,
      p.layout, ctx.kernels.target, p.batch * p.spatial);
}

int64_t TensorBytes(const BatchNormProblem& p) {
  return p.batch * p.channels * p.spatial * int64_t{2 * sizeof(float)};
}

// y = act((x * scale - pivot) * mul + add) per channel, over the whole
// tensor. Element-wise, so the split into tasks does not matter.
void NormalizeAll(const simdnorm_context& ctx, const BatchNormProblem& p,
                  const TileParams& t, const CoefficientBuffers& k) {
  const ChannelKernels& kern = *ctx.kernels.channel;
  const int64_t C = p.channels;
  const bool parallel = WorthParallel(ctx, TensorBytes(p), t.inline_bytes);
  if (p.layout == SIMDNORM_NHWC || p.spatial == 1) {
    // [N * S, C] rows ([N, C] is the same memory in both layouts).
    const int64_t rows = p.batch * p.spatial;
    const auto run = [&](int64_t b, int64_t e) {
      kern.normalize_channels_last(p.x + b * C, p.y + b * C, e - b, C, C,
                                   k.At(0), p.activation);
    };
    if (!parallel) return run(0, rows);
    const int64_t row_bytes = C * int64_t{2 * sizeof(float)};
    ParallelFor(ctx, rows, std::max<int64_t>(1, t.task_bytes / row_bytes),
                run);
    return;
  }
  // NCHW: pieces of at most chunk_elems of each (n, c) span.
  const int64_t S = p.spatial;
  const int64_t piece = std::min(S, t.chunk_elems);
  const int64_t per_span = (S + piece - 1) / piece;
  const auto run = [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t span = i / per_span;  // n * C + c
      const int64_t s0 = (i % per_span) * piece;
      const int64_t at = span * S + s0;
      kern.normalize_channels_first(p.x + at, p.y + at, 1,
                                    std::min(piece, S - s0), k.At(span % C),
                                    p.activation);
    }
  };
  const int64_t items = p.batch * C * per_span;
  if (!parallel) return run(0, items);
  const int64_t piece_bytes = piece * int64_t{2 * sizeof(float)};
  ParallelFor(ctx, items, std::max<int64_t>(1, t.task_bytes / piece_bytes),
              run);
}

}  // namespace

void RunBatchNormInference(const simdnorm_context& ctx,
                           const BatchNormProblem& p) {
  const TileParams t = ParamsFor(ctx, p, false);
  CoefficientBuffers k(p.channels);
  for (int64_t c = 0; c < p.channels; ++c) {
    // Folded: y = (x - running_mean) * mul + beta, one subtract and one FMA.
    const double g = p.gamma ? p.gamma[c] : 1.0;
    const double inv_std =
        1.0 / std::sqrt(static_cast<double>(p.running_var[c]) + p.eps);
    k.scale[c] = 1.0f;
    k.pivot[c] = p.running_mean[c];
    k.mul[c] = static_cast<float>(inv_std * g);
    k.add[c] = p.beta ? p.beta[c] : 0.0f;
  }
  NormalizeAll(ctx, p, t, k);
}

void RunBatchNormTraining(const simdnorm_context& ctx,
                          const BatchNormProblem& p) {
  const TileParams t = ParamsFor(ctx, p, true);
  const int64_t C = p.channels;
  const bool parallel = WorthParallel(ctx, TensorBytes(p), t.inline_bytes);
  std::vector<GroupStat> stats(C);
  if (p.layout == SIMDNORM_NHWC || p.spatial == 1) {
    // Column moments of the [N * S, C] block, tiles merged in order.
    ColumnGroupStats(ctx, p.x, p.batch * p.spatial, C, C, 1, t.spatial_tile,
                     p.eps, parallel, stats.data());
  } else {
    const auto channel_stats = [&](int64_t c, bool split) {
      SpanSet set;
      set.base = p.x + c * p.spatial;
      set.spans = p.batch;
      set.span_len = p.spatial;
      set.span_stride = C * p.spatial;
      stats[c] = SpanSetStats(ctx, set, t.block_elems, t.chunk_elems, p.eps,
                              split);
    };
    if (parallel && C < ctx.concurrency) {
      // Few channels: split each channel's reduction into its chunks.
      for (int64_t c = 0; c < C; ++c) channel_stats(c, true);
    } else if (parallel) {
      ParallelFor(ctx, C, 1, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) channel_stats(c, false);
      });
    } else {
      for (int64_t c = 0; c < C; ++c) channel_stats(c, false);
    }
  }

  CoefficientBuffers k(C);
  const double count = static_cast<double>(p.batch * p.spatial);
  const double m = p.momentum;
  for (int64_t c = 0; c < C; ++c) {
    const UnitStats st = GroupCoefficients(
        stats[c], p.eps, p.gamma ? p.gamma + c : nullptr,
        p.beta ? p.beta + c : nullptr, c, 1, &k);
    if (p.batch_mean) p.batch_mean[c] = static_cast<float>(st.mean);
    if (p.batch_rstd) p.batch_rstd[c] = static_cast<float>(st.rstd);
    if (p.update_running_stats) {
      const Moments& mo = stats[c].moments;
      // NaN/Inf data poisons the running statistics, as in PyTorch.
      const double var = IsFinite(mo) ? mo.m2 / (count - 1.0)
                                      : std::nan("");
      const double mean = IsFinite(mo) ? st.mean : std::nan("");
      p.running_mean[c] =
          static_cast<float>((1.0 - m) * p.running_mean[c] + m * mean);
      p.running_var[c] =
          static_cast<float>((1.0 - m) * p.running_var[c] + m * var);
    }
  }
  NormalizeAll(ctx, p, t, k);
}

}  // namespace simdnorm
