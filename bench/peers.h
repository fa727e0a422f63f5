// Reference implementations the library is compared with: a plain scalar
// loop (the baseline), oneDNN and PyTorch (when built with them). Each
// returns a callable that runs the whole op once, or an empty one if the
// peer cannot do the case.
#ifndef SIMDNORM_BENCH_PEERS_H_
#define SIMDNORM_BENCH_PEERS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "simdnorm/simdnorm.h"

namespace simdnorm_bench {

enum class Op {
  kLayerNorm,
  kRmsNorm,
  kGroupNorm,
  kInstanceNorm,
  kBatchNormInference,
  kBatchNormTraining,
};

// One problem, with its buffers. Row norms: x is [rows = batch, cols =
// channels]. The others: [N, C, S] or [N, S, C]; groups == channels for
// InstanceNorm.
struct Problem {
  Op op;
  bool channels_last = false;
  int64_t batch = 0;
  int64_t channels = 0;
  int64_t spatial = 1;  // height * width
  int64_t height = 1;
  int64_t width = 1;
  int64_t groups = 1;
  float eps = 1e-5f;
  // Storage type of x and y (row norms may be bf16/fp16; gamma, beta and
  // running statistics stay fp32).
  simdnorm_dtype dtype = SIMDNORM_F32;
  // 0 (y of dtype) or SIMDNORM_S8 / SIMDNORM_U8 (quantized y;
  // the peers have no such case).
  simdnorm_dtype y_dtype = SIMDNORM_F32;
  const void* x = nullptr;
  void* y = nullptr;
  const float* gamma = nullptr;
  const float* beta = nullptr;  // null for RMSNorm
  float* running_mean = nullptr;
  float* running_var = nullptr;
  int64_t elements() const { return batch * channels * spatial; }
  size_t element_bytes() const { return dtype == SIMDNORM_F32 ? 4 : 2; }
};

using Runner = std::function<void()>;

Runner MakeScalarRunner(const Problem& p);

// Empty if oneDNN was not built in or has no such primitive; `why` then
// says so. threads: the OpenMP threads oneDNN may use.
Runner MakeDnnlRunner(const Problem& p, int threads, std::string* why);
bool HaveDnnl();

// Empty if PyTorch was not built in; `why` then says so. threads: the
// threads of PyTorch's intra-op pool.
Runner MakeTorchRunner(const Problem& p, int threads, std::string* why);
// Runs PyTorch's op once and copies its result to p.y (in the layout of
// x), so that the peer can be checked against the library. False, with
// `why`, if it cannot.
bool TorchResultToY(const Problem& p, int threads, std::string* why);
bool HaveTorch();
// "1.13.0", or null when PyTorch was not built in.
const char* TorchVersion();

}  // namespace simdnorm_bench

#endif  // SIMDNORM_BENCH_PEERS_H_
