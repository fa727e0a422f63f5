// Shared pieces of the benchmarks: aligned buffers, contexts per (target,
// threads), the in-process memcpy reference and the counters every case
// reports.
#ifndef SIMDNORM_BENCH_BENCH_UTIL_H_
#define SIMDNORM_BENCH_BENCH_UTIL_H_

#include <benchmark/benchmark.h>

#include <chrono>
#include <functional>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "simdnorm/simdnorm.h"

namespace simdnorm_bench {

// 64-byte aligned fp32 buffer, touched on allocation so that page faults
// stay out of the timings.
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(size_t count);
  float* data() const { return data_.get(); }
  size_t size() const { return count_; }
  // Deterministic values of roughly unit variance around `offset`.
  void FillRandom(uint32_t seed, float offset = 0.0f);
  void Fill(float value);

 private:
  struct Free {
    void operator()(float* p) const;
  };
  std::unique_ptr<float[], Free> data_;
  size_t count_ = 0;
};

// Replaces the first `count` floats' worth of p[0, count) by their 16-bit
// values (bf16 or fp16, rounded to nearest even), packed from the start.
void NarrowInPlace(float* p, size_t count, simdnorm_dtype dtype);

// The tuning file named by SIMDNORM_TUNING, or null.
const char* TuningFile();

// Threads of the "all cores" cases.
int AllCores();

// A context pinned to `target` ("AVX3", ...) using `threads` threads;
// created once and kept for the whole run, with the tuning file of
// SIMDNORM_TUNING if set. Null if the target cannot run or the file cannot
// be loaded.
simdnorm_context* ContextFor(const std::string& target, int threads);

// The ISA targets this CPU can run, best first.
std::vector<std::string> SupportedTargets();

// Copies `bytes` between two warm buffers of that size: with one thread,
// or (threads > 1) the faster of that and a TBB memcpy split over `threads`
// cores, since the best memcpy is the floor.
std::function<void()> MemcpyReference(size_t bytes, int threads);

// Median over a few rounds of (time of `run`) / (time of `reference`),
// each round timing one batch of each back to back, warm, so that both
// see the same load on a shared machine.
double MedianRatio(const std::function<void()>& run,
                   const std::function<void()>& reference);

// Runs the benchmark loop of a case and reports bytes_per_second (x read
// once + y written once) and x_memcpy: the case's time over a memcpy of the
// same bytes (median of interleaved rounds measured after the loop).
void TimeCase(benchmark::State& state, size_t tensor_bytes, int threads,
              const std::function<void()>& run);

// "2048x4096".
std::string Dims(std::initializer_list<int64_t> dims);

}  // namespace simdnorm_bench

#endif  // SIMDNORM_BENCH_BENCH_UTIL_H_
