// The baseline: what a straightforward C++ implementation does. Two passes
// for the statistics (mean, then variance) with double accumulators, then
// one normalize pass. Built with auto-vectorization off (see
// CMakeLists.txt) so that it stays a scalar loop.
#include <cmath>

#include "peers.h"

namespace simdnorm_bench {
namespace {

struct Stats {
  float mean;
  float rstd;
};

// Values x[i * stride] for i in [0, n), of `runs` runs of `len` values that
// start `run_stride` apart (a group of channels in NCHW or NHWC).
template <class Visit>
void ForEachValue(const float* x, int64_t runs, int64_t run_stride,
                  int64_t len, int64_t stride, const Visit& visit) {
  for (int64_t r = 0; r < runs; ++r) {
    const float* p = x + r * run_stride;
    for (int64_t i = 0; i < len; ++i) visit(p[i * stride]);
  }
}

template <class Visit>
Stats StatsOf(const Visit& for_each, int64_t count, float eps, bool centered) {
  double sum = 0.0;
  if (centered) for_each([&](float v) { sum += v; });
  const double mean = sum / static_cast<double>(count);
  double sq = 0.0;
  for_each([&](float v) { sq += (v - mean) * (v - mean); });
  const double var = sq / static_cast<double>(count);
  return {static_cast<float>(mean),
          static_cast<float>(1.0 / std::sqrt(var + eps))};
}

void RowNorm(const Problem& p) {
  const bool rms = p.op == Op::kRmsNorm;
  const int64_t cols = p.channels;
  for (int64_t r = 0; r < p.batch; ++r) {
    const float* x = static_cast<const float*>(p.x) + r * cols;
    float* y = static_cast<float*>(p.y) + r * cols;
    const Stats s = StatsOf(
        [&](const auto& visit) { ForEachValue(x, 1, 0, cols, 1, visit); },
        cols, p.eps, !rms);
    for (int64_t i = 0; i < cols; ++i) {
      const float g = p.gamma ? p.gamma[i] : 1.0f;
      const float b = p.beta ? p.beta[i] : 0.0f;
      y[i] = (x[i] - s.mean) * s.rstd * g + b;
    }
  }
}

void GroupNorm(const Problem& p) {
  const int64_t C = p.channels, S = p.spatial, per_group = C / p.groups;
  for (int64_t n = 0; n < p.batch; ++n) {
    const float* x = static_cast<const float*>(p.x) + n * C * S;
    float* y = static_cast<float*>(p.y) + n * C * S;
    for (int64_t g = 0; g < p.groups; ++g) {
      const int64_t c0 = g * per_group;
      Stats s;
      if (!p.channels_last) {
        s = StatsOf(
            [&](const auto& visit) {
              ForEachValue(x + c0 * S, 1, 0, per_group * S, 1, visit);
            },
            per_group * S, p.eps, true);
        for (int64_t c = c0; c < c0 + per_group; ++c) {
          const float a = s.rstd * (p.gamma ? p.gamma[c] : 1.0f);
          const float b = (p.beta ? p.beta[c] : 0.0f) - s.mean * a;
          for (int64_t i = 0; i < S; ++i) y[c * S + i] = x[c * S + i] * a + b;
        }
      } else {
        s = StatsOf(
            [&](const auto& visit) {
              ForEachValue(x + c0, S, C, per_group, 1, visit);
            },
            per_group * S, p.eps, true);
        for (int64_t i = 0; i < S; ++i) {
          for (int64_t c = c0; c < c0 + per_group; ++c) {
            const float a = s.rstd * (p.gamma ? p.gamma[c] : 1.0f);
            const float b = (p.beta ? p.beta[c] : 0.0f) - s.mean * a;
            y[i * C + c] = x[i * C + c] * a + b;
          }
        }
      }
    }
  }
}

void BatchNorm(const Problem& p, bool batch_stats) {
  const int64_t N = p.batch, C = p.channels, S = p.spatial;
  // Channel c of sample n: NCHW run at n*C*S + c*S (stride 1), NHWC at
  // n*S*C + c (stride C).
  const int64_t run_stride = C * S;
  const int64_t elem_stride = p.channels_last ? C : 1;
  for (int64_t c = 0; c < C; ++c) {
    const int64_t offset = p.channels_last ? c : c * S;
    float mean, rstd;
    if (batch_stats) {
      const Stats s = StatsOf(
          [&](const auto& visit) {
            ForEachValue(static_cast<const float*>(p.x) + offset, N, run_stride, S, elem_stride, visit);
          },
          N * S, p.eps, true);
      mean = s.mean;
      rstd = s.rstd;
    } else {
      mean = p.running_mean[c];
      rstd = 1.0f / std::sqrt(p.running_var[c] + p.eps);
    }
    const float a = rstd * (p.gamma ? p.gamma[c] : 1.0f);
    const float b = (p.beta ? p.beta[c] : 0.0f) - mean * a;
    for (int64_t n = 0; n < N; ++n) {
      const float* x = static_cast<const float*>(p.x) + n * run_stride + offset;
      float* y = static_cast<float*>(p.y) + n * run_stride + offset;
      for (int64_t i = 0; i < S; ++i) {
        y[i * elem_stride] = x[i * elem_stride] * a + b;
      }
    }
  }
}

}  // namespace

Runner MakeScalarRunner(const Problem& p) {
  switch (p.op) {
    case Op::kLayerNorm:
    case Op::kRmsNorm:
      return [p] { RowNorm(p); };
    case Op::kGroupNorm:
    case Op::kInstanceNorm:
      return [p] { GroupNorm(p); };
    case Op::kBatchNormInference:
      return [p] { BatchNorm(p, false); };
    case Op::kBatchNormTraining:
      return [p] { BatchNorm(p, true); };
  }
  return {};
}

}  // namespace simdnorm_bench
