// Float64 references of the channel norms (GroupNorm, InstanceNorm,
// BatchNorm) and activations, computed from the same fp32 inputs.
#ifndef SIMDNORM_TESTS_REFERENCE_CHANNELS_H_
#define SIMDNORM_TESTS_REFERENCE_CHANNELS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "simdnorm/simdnorm.h"

namespace simdnorm_test {

// Activation in double (erfc/exp from libm: about 1e-16 relative).
double ReferenceActivation(double v, simdnorm_activation act);

// Index of element (n, c, s) in a dense tensor of the given layout.
inline int64_t TensorIndex(simdnorm_layout layout, int64_t C, int64_t S,
                           int64_t n, int64_t c, int64_t s) {
  return layout == SIMDNORM_NCHW ? (n * C + c) * S + s : (n * S + s) * C + c;
}

// y in the layout of x; mean/rstd per (n, g), may be null. Two passes in
// double; the variance is biased (divide by (C / G) * S).
void ReferenceGroupNorm(const float* x, simdnorm_layout layout, int64_t N,
                        int64_t C, int64_t S, int64_t G, const float* gamma,
                        const float* beta, double eps, simdnorm_activation act,
                        std::vector<double>* y, std::vector<double>* mean,
                        std::vector<double>* rstd);

// Inference when running_* are given as the statistics; otherwise batch
// statistics, with mean/rstd (per channel) and the unbiased variance
// (var_unbiased) returned for the running-statistics check.
void ReferenceBatchNorm(const float* x, simdnorm_layout layout, int64_t N,
                        int64_t C, int64_t S, const float* gamma,
                        const float* beta, const float* running_mean,
                        const float* running_var, double eps,
                        simdnorm_activation act, std::vector<double>* y,
                        std::vector<double>* mean, std::vector<double>* rstd,
                        std::vector<double>* var_unbiased);

// Distance in units in the last place of fp32 between got and the double
// want (the ulp of want's fp32 binade; subnormals have ulp 2^-149).
double UlpError(float got, double want);

// Float lanes of a target name ("AVX3" -> 16, "SCALAR" -> 1, ...), to pick
// lanes + 1 sizes.
int LanesOfTarget(const std::string& target);

const char* ActivationName(simdnorm_activation act);

}  // namespace simdnorm_test

#endif  // SIMDNORM_TESTS_REFERENCE_CHANNELS_H_
