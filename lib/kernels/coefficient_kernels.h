// Per-target kernels that turn per-channel statistics into the normalize
// coefficients of ChannelCoefficients, several channels per double vector.
// Plain C++ (no Highway). Storage-independent: parameters are fp32 here.
#ifndef SIMDNORM_KERNELS_COEFFICIENT_KERNELS_H_
#define SIMDNORM_KERNELS_COEFFICIENT_KERNELS_H_

#include <cstdint>

namespace simdnorm::internal {

// BatchNorm batch statistics of channels [0, n) from one column-sum pass
// over all `count` rows at scale 1 (sum and sum_sq of x - pivot per
// channel, see ChannelKernels::column_sums): the moments, mean and rstd,
// the normalize coefficients (scale 1, pivot, mul, add) and the running
// statistics, with the arithmetic of the general path (MergeTileSums of a
// first tile, FinishStats, SetChannelCoefficients, the running update).
struct BatchStatisticsFinish {
  int64_t n = 0;
  double count = 0.0;
  const double* sum = nullptr;
  const double* sum_sq = nullptr;
  const float* pivot = nullptr;
  const float* gamma = nullptr;  // null: 1
  const float* beta = nullptr;   // null: 0
  float eps = 0.0f;
  // running = keep * running + take * batch, the variance divided by
  // var_divisor; null running_mean: no update.
  double keep = 0.0, take = 0.0, var_divisor = 0.0;
  float* running_mean = nullptr;
  float* running_var = nullptr;
  float* batch_mean = nullptr;  // optional
  float* batch_rstd = nullptr;  // optional
  // Coefficients (ChannelCoefficients form).
  float* scale = nullptr;
  float* scaled_pivot = nullptr;
  float* mul = nullptr;
  float* add = nullptr;
  // Set to false when a channel's scale is not 1 (a multiplier past the
  // float range, see FitMultiplier); never set to true.
  bool* unit_scale = nullptr;
};

struct CoefficientKernels {
  int64_t target;  // HWY_* bit of the target these were compiled for
  // BatchNorm inference, channels [0, n): scale 1, pivot = running_mean,
  // mul = rstd * gamma and add = beta, with rstd = 1 / sqrt(running_var +
  // eps), in double and rounded once (gamma null: 1; beta null: 0), and
  // refitted by FitMultiplier past the float range. The same IEEE
  // operations per channel on every target. Returns whether every scale
  // is 1.
  bool (*batch_norm_inference)(const float* gamma, const float* beta,
                               const float* running_mean,
                               const float* running_var, float eps, int64_t n,
                               float* scale, float* pivot, float* mul,
                               float* add);
  // See BatchStatisticsFinish. Returns false, having written nothing, when
  // a channel's sums are not finite (NaN/Inf data, or squares beyond fp32)
  // or eps < 2^-60 (tiny variances may need a retry): those take the
  // general path with its rescaled retry. Otherwise the same bits as the
  // general path, on every target.
  bool (*batch_statistics)(const BatchStatisticsFinish& f);
};

// Kernels of one compiled target (HWY_* bit), or nullptr if not compiled.
const CoefficientKernels* FindCoefficientKernels(int64_t target);
// Bit mask of the targets compiled into the coefficient kernels.
int64_t CoefficientKernelTargets();

}  // namespace simdnorm::internal

#endif  // SIMDNORM_KERNELS_COEFFICIENT_KERNELS_H_
