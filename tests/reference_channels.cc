#include "reference_channels.h"

#include <cfloat>
#include <cmath>
#include <limits>

namespace simdnorm_test {

double ReferenceActivation(double v, simdnorm_activation act) {
  switch (act) {
    case SIMDNORM_ACT_NONE:
      return v;
    case SIMDNORM_ACT_RELU:
      return std::isnan(v) ? v : (v < 0.0 ? 0.0 : v);
    case SIMDNORM_ACT_SILU: {
      // Stable on both sides: e^x never overflows where it matters.
      if (v >= 0.0) return v / (1.0 + std::exp(-v));
      const double e = std::exp(v);
      return v * e / (1.0 + e);
    }
    case SIMDNORM_ACT_GELU_ERF:
      return 0.5 * v * std::erfc(-v / std::sqrt(2.0));
    case SIMDNORM_ACT_GELU_TANH: {
      const double u =
          std::sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v);
      // 0.5 (1 + tanh(u)) = 1 / (1 + e^(-2u)), no cancellation.
      if (u >= 0.0) return v / (1.0 + std::exp(-2.0 * u));
      const double e = std::exp(2.0 * u);
      return v * e / (1.0 + e);
    }
  }
  return std::numeric_limits<double>::quiet_NaN();
}

void ReferenceGroupNorm(const float* x, simdnorm_layout layout, int64_t N,
                        int64_t C, int64_t S, int64_t G, const float* gamma,
                        const float* beta, double eps, simdnorm_activation act,
                        std::vector<double>* y, std::vector<double>* mean,
                        std::vector<double>* rstd) {
  const int64_t cg = C / G;
  y->assign(N * C * S, 0.0);
  if (mean) mean->assign(N * G, 0.0);
  if (rstd) rstd->assign(N * G, 0.0);
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t g = 0; g < G; ++g) {
      double sum = 0.0;
      for (int64_t c = g * cg; c < (g + 1) * cg; ++c) {
        for (int64_t s = 0; s < S; ++s) {
          sum += x[TensorIndex(layout, C, S, n, c, s)];
        }
      }
      const double mu = sum / static_cast<double>(cg * S);
      double sq = 0.0;
      for (int64_t c = g * cg; c < (g + 1) * cg; ++c) {
        for (int64_t s = 0; s < S; ++s) {
          const double d = x[TensorIndex(layout, C, S, n, c, s)] - mu;
          sq += d * d;
        }
      }
      const double inv = 1.0 / std::sqrt(sq / static_cast<double>(cg * S) + eps);
      for (int64_t c = g * cg; c < (g + 1) * cg; ++c) {
        const double ga = gamma ? gamma[c] : 1.0;
        const double be = beta ? beta[c] : 0.0;
        for (int64_t s = 0; s < S; ++s) {
          const int64_t i = TensorIndex(layout, C, S, n, c, s);
          (*y)[i] = ReferenceActivation((x[i] - mu) * inv * ga + be, act);
        }
      }
      if (mean) (*mean)[n * G + g] = mu;
      if (rstd) (*rstd)[n * G + g] = inv;
    }
  }
}

void ReferenceBatchNorm(const float* x, simdnorm_layout layout, int64_t N,
                        int64_t C, int64_t S, const float* gamma,
                        const float* beta, const float* running_mean,
                        const float* running_var, double eps,
                        simdnorm_activation act, std::vector<double>* y,
                        std::vector<double>* mean, std::vector<double>* rstd,
                        std::vector<double>* var_unbiased) {
  y->assign(N * C * S, 0.0);
  if (mean) mean->assign(C, 0.0);
  if (rstd) rstd->assign(C, 0.0);
  if (var_unbiased) var_unbiased->assign(C, 0.0);
  const double count = static_cast<double>(N * S);
  for (int64_t c = 0; c < C; ++c) {
    double mu, var;
    if (running_mean != nullptr) {
      mu = running_mean[c];
      var = running_var[c];
    } else {
      double sum = 0.0;
      for (int64_t n = 0; n < N; ++n) {
        for (int64_t s = 0; s < S; ++s) sum += x[TensorIndex(layout, C, S, n, c, s)];
      }
      mu = sum / count;
      double sq = 0.0;
      for (int64_t n = 0; n < N; ++n) {
        for (int64_t s = 0; s < S; ++s) {
          const double d = x[TensorIndex(layout, C, S, n, c, s)] - mu;
          sq += d * d;
        }
      }
      var = sq / count;
      if (var_unbiased) (*var_unbiased)[c] = sq / (count - 1.0);
    }
    const double inv = 1.0 / std::sqrt(var + eps);
    const double ga = gamma ? gamma[c] : 1.0;
    const double be = beta ? beta[c] : 0.0;
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t s = 0; s < S; ++s) {
        const int64_t i = TensorIndex(layout, C, S, n, c, s);
        (*y)[i] = ReferenceActivation((x[i] - mu) * inv * ga + be, act);
      }
    }
    if (mean) (*mean)[c] = mu;
    if (rstd) (*rstd)[c] = inv;
  }
}

double UlpError(float got, double want) {
  if (std::isnan(want) || std::isnan(got)) {
    return std::isnan(want) && std::isnan(got)
               ? 0.0
               : std::numeric_limits<double>::infinity();
  }
  const double a = std::fabs(want);
  double ulp;
  if (a < FLT_MIN) {
    ulp = std::ldexp(1.0, -149);
  } else if (a > FLT_MAX) {
    ulp = std::ldexp(1.0, 104);
  } else {
    int e;
    std::frexp(a, &e);  // a = f * 2^e, f in [0.5, 1)
    ulp = std::ldexp(1.0, e - 24);
  }
  return std::fabs(static_cast<double>(got) - want) / ulp;
}

int LanesOfTarget(const std::string& t) {
  if (t.rfind("AVX3", 0) == 0) return 16;
  if (t == "AVX2") return 8;
  if (t == "SCALAR" || t == "EMU128") return t == "SCALAR" ? 1 : 4;
  if (t.rfind("SVE", 0) == 0) return t == "SVE2_128" ? 4 : 16;
  return 4;  // SSE4, SSSE3, NEON
}

const char* ActivationName(simdnorm_activation act) {
  switch (act) {
    case SIMDNORM_ACT_NONE:
      return "none";
    case SIMDNORM_ACT_RELU:
      return "relu";
    case SIMDNORM_ACT_SILU:
      return "silu";
    case SIMDNORM_ACT_GELU_ERF:
      return "gelu_erf";
    case SIMDNORM_ACT_GELU_TANH:
      return "gelu_tanh";
  }
  return "?";
}

}  // namespace simdnorm_test
