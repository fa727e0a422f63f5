#include "ops/batch_norm.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "ops/channel_output.h"
#include "ops/channel_stats.h"
#include "ops/partition.h"
#include "ops/prefetch.h"
#include "runtime/parallel.h"

namespace simdnorm::internal {
namespace {

TileParams ParamsFor(const simdnorm_context& ctx,
                            const BatchNormProblem& p, bool training) {
  return ctx.tuning.Lookup(
      training ? OpKind::kBatchNormTraining : OpKind::kBatchNormInference,
      p.layout, p.dtype(), ctx.kernels.target, p.batch * p.spatial);
}

int64_t ElementBytes(const BatchNormProblem& p) {
  return static_cast<int64_t>(StorageBytes(p.dtype()));
}

// Bytes of x and y together.
int64_t TensorBytes(const BatchNormProblem& p) {
  return p.batch * p.channels * p.spatial * 2 * ElementBytes(p);
}

// Non-temporal stores of y when each thread's share of it is at least
// stream_bytes (see group_norm.cc: with all cores on a mid-size output,
// ordinary stores into the shared last-level cache measured faster).
bool StreamOutput(const BatchNormProblem& p, const TileParams& t,
                  bool parallel, const simdnorm_context& ctx) {
  return TensorBytes(p) / 2 >=
         t.stream_bytes * (parallel ? ctx.concurrency : 1);
}

// NCHW pieces of about chunk_elems values: whole channels of one sample
// (runs of short channels cost no per-channel tails), or parts of one
// channel when a channel is larger.
struct NchwPieces {
  NchwPieces(const BatchNormProblem& p, int64_t chunk)
      : C(p.channels), S(p.spatial) {
    if (S >= chunk) {
      channels_per_piece = 1;
      parts_per_channel = (S + chunk - 1) / chunk;
      part_len = chunk;
    } else {
      channels_per_piece = std::min(C, chunk / S);
      parts_per_channel = 1;
      part_len = S;
    }
    per_sample =
        (C + channels_per_piece - 1) / channels_per_piece * parts_per_channel;
  }
  // Piece i of sample n: first channel, offset in it, channels, length.
  void Get(int64_t i, int64_t* c, int64_t* s0, int64_t* channels,
           int64_t* len) const {
    const int64_t block = i / parts_per_channel;
    *c = block * channels_per_piece;
    *s0 = (i % parts_per_channel) * part_len;
    *channels = std::min(channels_per_piece, C - *c);
    *len = std::min(part_len, S - *s0);
  }
  int64_t C, S;
  int64_t channels_per_piece, parts_per_channel, part_len, per_sample;
};

// Rows [r0, r1) of the [N * S, C] view of x and y as runs that are
// contiguous in both: run(x, y, rows). One run when the samples are dense,
// else one per sample touched.
template <class Run>
void ForEachRowRun(const BatchNormProblem& p, int64_t r0, int64_t r1,
                   const Run& run) {
  const int64_t C = p.channels, S = p.spatial;
  if (p.x_batch_stride == C * S && p.y_batch_stride == C * S) {
    run(p.x + r0 * C, p.y + r0 * C, r1 - r0);
    return;
  }
  while (r0 < r1) {
    const int64_t n = r0 / S, s = r0 % S;
    const int64_t rows = std::min(r1 - r0, S - s);
    run(p.x_sample(n) + s * C, p.y_sample(n) + s * C, rows);
    r0 += rows;
  }
}

// Rows [r0, r1) of the [N * S, C] view (channels-last, or S == 1) with
// the coefficients wrapped for contiguous rows.
void NormalizeRows(const ChannelKernels& kern, const BatchNormProblem& p,
                   const ChannelCoefficients& wrapped, bool stream, int64_t r0,
                   int64_t r1) {
  const int64_t C = p.channels;
  ForEachRowRun(p, r0, r1, [&](ConstTypedPtr x, TypedPtr y, int64_t rows) {
    NormalizeChannelsLastInto(kern, x, y, rows, C, C, wrapped, p.activation,
                              stream, nullptr, p.y_quant);
  });
}

// Whether the tensor is normalized as rows of C channels: channels-last,
// or [N, C] (the same memory in both layouts).
bool RowsOfChannels(const BatchNormProblem& p) {
  return !(p.layout == SIMDNORM_NCHW && p.spatial > 1);
}

// The [N * S, C] rows of a RowsOfChannels tensor are evenly strided when
// the samples are single rows (at the batch stride) or dense. False: the
// rows must be gathered densely first; *stride is then that of the
// gathered rows (C).
bool EvenRowStride(const BatchNormProblem& p, int64_t* stride) {
  *stride = p.spatial == 1 ? p.x_batch_stride : p.channels;
  return p.spatial == 1 || p.x_batch_stride == p.channels * p.spatial;
}

// y = act((x * scale - pivot) * mul + add) per channel, over the whole
// tensor. Element-wise, so the split into tasks does not matter.
void NormalizeAll(const simdnorm_context& ctx, const BatchNormProblem& p,
                  const TileParams& t, CoefficientBuffers& k) {
  const ChannelKernels& kern = ctx.kernels.ChannelFor(p.dtype());
  const int64_t C = p.channels;
  const bool parallel = WorthParallel(ctx, TensorBytes(p), t.inline_bytes);
  const bool stream = StreamOutput(p, t, parallel, ctx);
  if (RowsOfChannels(p)) {
    // [N * S, C] rows in blocks of about chunk_elems values.
    const int64_t rows = p.batch * p.spatial;
    const int64_t block_rows = std::max<int64_t>(1, t.chunk_elems / C);
    const int64_t blocks = (rows + block_rows - 1) / block_rows;
    const ChannelCoefficients wrapped = k.Wrapped(ctx.kernels.row->f32_lanes());
    const auto run = [&](int64_t b, int64_t e) {
      const int64_t r0 = b * block_rows;
      NormalizeRows(kern, p, wrapped, stream, r0,
                    std::min(rows, e * block_rows));
    };
    if (!parallel) return run(0, blocks);
    const int64_t block_bytes = block_rows * C * 2 * ElementBytes(p);
    ParallelFor(ctx, blocks, TaskGrain(ctx, blocks, block_bytes, t.task_bytes),
                run);
    return;
  }
  const int64_t S = p.spatial;
  const NchwPieces pieces(p, t.chunk_elems);
  const auto run = [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t n = i / pieces.per_sample;
      int64_t c, s0, channels, len;
      pieces.Get(i % pieces.per_sample, &c, &s0, &channels, &len);
      const int64_t at = c * S + s0;
      NormalizeChannelsFirstInto(kern, p.x_sample(n) + at, p.y_sample(n) + at,
                                 channels, len, k.At(c), p.activation, stream,
                                 nullptr, p.y_quant);
    }
  };
  const int64_t items = p.batch * pieces.per_sample;
  if (!parallel) return run(0, items);
  const int64_t piece_bytes =
      pieces.channels_per_piece * pieces.part_len * 2 * ElementBytes(p);
  ParallelFor(ctx, items, TaskGrain(ctx, items, piece_bytes, t.task_bytes),
              run);
}

// Spans shorter than this take the memory-order statistics pass.
constexpr int64_t kShortSpanBytes = 4096;

// NCHW channel c: N spans of S.
SpanSet ChannelSpans(const BatchNormProblem& p, int64_t c) {
  SpanSet set;
  set.base = p.x + c * p.spatial;
  set.spans = p.batch;
  set.span_len = p.spatial;
  set.span_stride = p.x_batch_stride;
  return set;
}

// The coefficients of NCHW channel c from its batch statistics, and its
// normalize pass right after its statistics pass, while the channel (N * S
// values, a few hundred KiB for typical shapes) is still in L2: x is then
// read once from memory instead of twice. The spans are normalized last
// first (the most recently read are the most likely still cached), or
// first first with a following channel (piece i prefetches its chunk i).
// `split`: the normalize pass runs on the context's threads (few
// channels). `following` (optional): the statistics of the channel this
// thread runs next, advanced piece by piece as in GroupNorm's
// NormalizeUnitNchw.
UnitStats NormalizeChannelNchw(const simdnorm_context& ctx,
                               const BatchNormProblem& p, const TileParams& t,
                               int64_t c, const GroupStat& stat, bool split,
                               bool stream, SpanStatsInProgress* following) {
  const int64_t S = p.spatial;
  CoefficientBuffers k(1);
  const UnitStats st =
      GroupCoefficients(stat, p.eps, p.gamma ? p.gamma + c : nullptr,
                        p.beta ? p.beta + c : nullptr, 0, 1, &k);
  const ChannelKernels& kern = ctx.kernels.ChannelFor(p.dtype());
  const int64_t parts = (S + t.chunk_elems - 1) / t.chunk_elems;
  // One piece per reduction chunk: the following channel has as many.
  const int64_t pieces = p.batch * parts;
  const auto run = [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t piece = following ? i : pieces - 1 - i;
      const int64_t n = piece / parts;
      const int64_t s0 = (piece % parts) * t.chunk_elems;
      const int64_t len = std::min(t.chunk_elems, S - s0);
      NormalizeChannelsFirstInto(
          kern, p.x_sample(n) + c * S + s0, p.y_sample(n) + c * S + s0, 1,
          len, k.At(0), p.activation, stream,
          following ? following->PrefetchAt(i, len) : nullptr, p.y_quant);
      if (following) following->AdvanceTo(i + 1);
    }
  };
  if (split) {
    ParallelFor(ctx, pieces, 1, run);
  } else {
    run(0, pieces);
  }
  return st;
}

// Channels [b, e) of NCHW batch statistics on the caller's thread. From
// memory, each channel's statistics are read during the previous one's
// normalize pass (same results).
void ChannelsNchwTraining(const simdnorm_context& ctx,
                          const BatchNormProblem& p, const TileParams& t,
                          int64_t b, int64_t e, bool stream, bool from_memory,
                          GroupStat* stats, UnitStats* unit_stats) {
  RunTwoPassUnits(
      ctx, t.block_elems, t.chunk_elems, p.eps, b, e, from_memory,
      [&p](int64_t c) { return ChannelSpans(p, c); },
      [&](int64_t c, const GroupStat& s, SpanStatsInProgress* following) {
        stats[c] = s;
        unit_stats[c] =
            NormalizeChannelNchw(ctx, p, t, c, s, false, stream, following);
      });
}

// Inference coefficients from the running statistics, folded so that
// y = (x - running_mean) * mul + beta: one subtract and one FMA.
void InferenceCoefficients(const simdnorm_context& ctx,
                           const BatchNormProblem& p, CoefficientBuffers* k) {
  k->unit_scale = ctx.kernels.coefficients->batch_norm_inference(
      p.gamma, p.beta, p.running_mean, p.running_var, p.eps, p.channels,
      k->scale, k->pivot, k->mul, k->add);
}

// running = keep * running + take * batch, with the variance divided by
// var_divisor (see simdnorm_running_stats).
struct RunningUpdate {
  double keep, take, var_divisor;
};

RunningUpdate RunningUpdateOf(const BatchNormProblem& p) {
  const double count = static_cast<double>(p.batch * p.spatial);
  const double m = p.momentum;
  if (p.onnx_running_stats) return {m, 1.0 - m, count};
  return {1.0 - m, m, count - 1.0};
}

// The outputs of the vector finish of batch statistics (the sums and
// pivots are SingleTileBatchStatistics').
BatchStatisticsFinish FinishOf(const BatchNormProblem& p,
                               const RunningUpdate& running,
                               CoefficientBuffers* k) {
  BatchStatisticsFinish f;
  f.n = p.channels;
  f.gamma = p.gamma;
  f.beta = p.beta;
  f.eps = p.eps;
  if (p.update_running_stats) {
    f.keep = running.keep;
    f.take = running.take;
    f.var_divisor = running.var_divisor;
    f.running_mean = p.running_mean;
    f.running_var = p.running_var;
  }
  f.batch_mean = p.batch_mean;
  f.batch_rstd = p.batch_rstd;
  f.scale = k->scale;
  f.scaled_pivot = k->pivot;
  f.mul = k->mul;
  f.add = k->add;
  f.unit_scale = &k->unit_scale;
  return f;
}

// Small calls (BatchNorm1d): [N * S, C] rows of channels, evenly strided,
// in one tile. The general path's per-channel scalar finish would cost
// more than the tensor; here it runs in vectors and writes every output
// (statistics, running statistics, coefficients), then the normalize
// pass. False, with nothing written, when the general path must run.
bool SmallBatchStatistics(const simdnorm_context& ctx,
                          const BatchNormProblem& p, const TileParams& t) {
  const int64_t rows = p.batch * p.spatial;
  if (!RowsOfChannels(p) || rows > t.spatial_tile) return false;
  int64_t stride;
  if (!EvenRowStride(p, &stride)) return false;
  CoefficientBuffers k(p.channels);
  if (!SingleTileBatchStatistics(ctx, p.x, rows, stride,
                                 FinishOf(p, RunningUpdateOf(p), &k))) {
    return false;
  }
  NormalizeAll(ctx, p, t, k);
  return true;
}

}  // namespace

void RunBatchNormInference(const simdnorm_context& ctx,
                           const BatchNormProblem& p) {
  const TileParams t = ParamsFor(ctx, p, false);
  CoefficientBuffers k(p.channels);
  InferenceCoefficients(ctx, p, &k);
  NormalizeAll(ctx, p, t, k);
}

void RunBatchNormInferenceSlice(const simdnorm_context& ctx,
                                const BatchNormProblem& p, int64_t begin,
                                int64_t end) {
  const TileParams t = ParamsFor(ctx, p, false);
  CoefficientBuffers k(p.channels);
  InferenceCoefficients(ctx, p, &k);
  const ChannelKernels& kern = ctx.kernels.ChannelFor(p.dtype());
  const bool stream = StreamOutput(p, t, false, ctx);
  if (RowsOfChannels(p)) {
    NormalizeRows(kern, p, k.Wrapped(ctx.kernels.row->f32_lanes()), stream,
                  begin, end);
    return;
  }
  // Units (n, c): runs of channels within a sample.
  const int64_t C = p.channels, S = p.spatial;
  for (int64_t unit = begin; unit < end;) {
    const int64_t n = unit / C, c = unit % C;
    const int64_t channels = std::min(end - unit, C - c);
    NormalizeChannelsFirstInto(kern, p.x_sample(n) + c * S,
                               p.y_sample(n) + c * S, channels, S, k.At(c),
                               p.activation, stream, nullptr, p.y_quant);
    unit += channels;
  }
}

void RunBatchNormTraining(const simdnorm_context& ctx,
                          const BatchNormProblem& p) {
  const TileParams t = ParamsFor(ctx, p, true);
  if (SmallBatchStatistics(ctx, p, t)) return;
  const int64_t C = p.channels;
  const bool parallel = WorthParallel(ctx, TensorBytes(p), t.inline_bytes);
  // Small channel counts: stack storage, no heap allocation per call.
  constexpr int64_t kInline = 64;
  GroupStat inline_stats[kInline];
  UnitStats inline_unit_stats[kInline];
  std::vector<GroupStat> heap_stats(C > kInline ? C : 0);
  std::vector<UnitStats> heap_unit_stats(C > kInline ? C : 0);
  GroupStat* stats = C > kInline ? heap_stats.data() : inline_stats;
  UnitStats* unit_stats =
      C > kInline ? heap_unit_stats.data() : inline_unit_stats;
  const bool channels_first = p.layout == SIMDNORM_NCHW && p.spatial > 1;
  // Channels-first with short spans (7x7): channel by channel would jump
  // across the tensor for every span of a few cache lines; instead the
  // statistics read x in memory order and a second pass normalizes.
  const bool short_spans =
      channels_first && p.spatial <= t.chunk_elems &&
      p.spatial * ElementBytes(p) < kShortSpanBytes;
  const bool fused_channels = channels_first && !short_spans;
  CoefficientBuffers k(fused_channels ? 0 : C);
  const RunningUpdate running = RunningUpdateOf(p);
  if (short_spans) {
    SpanSet set;
    set.base = p.x;
    set.spans = p.batch;
    set.span_len = p.spatial;
    set.span_stride = p.x_batch_stride;
    InterleavedSpanSetStats(ctx, set, C, t.block_elems, p.eps, parallel,
                            stats);
    for (int64_t c = 0; c < C; ++c) {
      unit_stats[c] = GroupCoefficients(stats[c], p.eps,
                                        p.gamma ? p.gamma + c : nullptr,
                                        p.beta ? p.beta + c : nullptr, c, 1, &k);
    }
  } else if (fused_channels) {
    const bool stream = StreamOutput(p, t, parallel, ctx);
    const bool from_memory = TensorsFromMemory(TensorBytes(p), t);
    if (parallel && C < ctx.concurrency) {
      // Few channels: split each channel's reduction and normalize pass
      // into its chunks.
      for (int64_t c = 0; c < C; ++c) {
        stats[c] = SpanSetStats(ctx, ChannelSpans(p, c), t.block_elems,
                                t.chunk_elems, p.eps, true);
        unit_stats[c] = NormalizeChannelNchw(ctx, p, t, c, stats[c], true,
                                             stream, nullptr);
      }
    } else if (parallel) {
      const int64_t channel_bytes =
          p.batch * p.spatial * 2 * ElementBytes(p);
      ParallelFor(ctx, C, TaskGrain(ctx, C, channel_bytes, t.task_bytes),
                  [&](int64_t b, int64_t e) {
                    ChannelsNchwTraining(ctx, p, t, b, e, stream, from_memory,
                                         stats, unit_stats);
                  });
    } else {
      ChannelsNchwTraining(ctx, p, t, 0, C, stream, from_memory, stats,
                           unit_stats);
    }
  } else {
    // Column moments of the [N * S, C] block, tiles merged in order. Rows
    // that are not evenly strided are gathered densely first, so that the
    // tiles (and the results) are those of a dense x.
    ConstTypedPtr rows = p.x;
    int64_t row_stride;
    std::vector<unsigned char> dense;
    if (!EvenRowStride(p, &row_stride)) {
      const int64_t sample_bytes = C * p.spatial * ElementBytes(p);
      dense.resize(static_cast<size_t>(p.batch * sample_bytes));
      for (int64_t n = 0; n < p.batch; ++n) {
        std::memcpy(dense.data() + n * sample_bytes, p.x_sample(n).p,
                    static_cast<size_t>(sample_bytes));
      }
      rows = ConstTypedPtr(dense.data(), p.dtype());
    }
    ColumnGroupStats(ctx, rows, p.batch * p.spatial, row_stride, C, 1,
                     t.spatial_tile, p.eps, parallel, stats);
    // GroupCoefficients of one channel each, without a call per channel.
    // Locals: the stores to k cannot alias them, so they are not reloaded.
    const float* const gamma = p.gamma;
    const float* const beta = p.beta;
    const float eps = p.eps;
    for (int64_t c = 0; c < C; ++c) {
      const GroupStat& s = stats[c];
      unit_stats[c] = FinishStats(s.moments, s.pivot, s.scale, eps, true);
      SetChannelCoefficients(s, unit_stats[c], gamma ? gamma[c] : 1.0,
                             beta ? beta[c] : 0.0, c, &k);
    }
  }

  // Locals: the float stores below could alias p's fields.
  float* const batch_mean = p.batch_mean;
  float* const batch_rstd = p.batch_rstd;
  float* const running_mean = p.running_mean;
  float* const running_var = p.running_var;
  const bool update = p.update_running_stats;
  for (int64_t c = 0; c < C; ++c) {
    const UnitStats& st = unit_stats[c];
    if (batch_mean) batch_mean[c] = static_cast<float>(st.mean);
    if (batch_rstd) batch_rstd[c] = static_cast<float>(st.rstd);
    if (update) {
      const Moments& mo = stats[c].moments;
      // NaN/Inf data poisons the running statistics, as in PyTorch.
      const double var =
          IsFinite(mo) ? mo.m2 / running.var_divisor : std::nan("");
      const double mean = IsFinite(mo) ? st.mean : std::nan("");
      running_mean[c] = static_cast<float>(running.keep * running_mean[c] +
                                           running.take * mean);
      running_var[c] = static_cast<float>(running.keep * running_var[c] +
                                          running.take * var);
    }
  }
  if (!fused_channels) NormalizeAll(ctx, p, t, k);
}

}  // namespace simdnorm::internal
