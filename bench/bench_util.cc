#include "bench_util.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <sstream>
#include <utility>

namespace simdnorm_bench {

Buffer::Buffer(size_t count) : count_(count) {
  const size_t bytes = (std::max<size_t>(count, 1) * sizeof(float) + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, bytes);
  if (p == nullptr) throw std::bad_alloc();
  std::memset(p, 0, bytes);
  data_.reset(static_cast<float*>(p));
}

void Buffer::Free::operator()(float* p) const { std::free(p); }

void Buffer::FillRandom(uint32_t seed, float offset) {
  uint32_t s = seed * 2654435761u + 12345u;
  float* p = data_.get();
  for (size_t i = 0; i < count_; ++i) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    // Uniform in [-1.73, 1.73): variance about 1.
    p[i] = offset + (static_cast<float>(s >> 8) * 0x1p-24f - 0.5f) * 3.46f;
  }
}

void Buffer::Fill(float value) { std::fill_n(data_.get(), count_, value); }

void NarrowInPlace(float* p, size_t count, simdnorm_dtype dtype) {
  uint16_t* out = reinterpret_cast<uint16_t*>(p);
  for (size_t i = 0; i < count; ++i) {
    const float f = p[i];  // read before out[i] (bytes 2i..2i+1) is written
    uint16_t h;
    if (dtype == SIMDNORM_F16) {
      const _Float16 v = static_cast<_Float16>(f);
      std::memcpy(&h, &v, sizeof(h));
    } else {
      uint32_t bits;
      std::memcpy(&bits, &f, sizeof(bits));
      h = static_cast<uint16_t>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }
    out[i] = h;
  }
}

const char* TuningFile() {
  const char* path = std::getenv("SIMDNORM_TUNING");
  return path != nullptr && path[0] != '\0' ? path : nullptr;
}

int AllCores() {
  static const int cores = tbb::this_task_arena::max_concurrency();
  return cores;
}

simdnorm_context* ContextFor(const std::string& target, int threads) {
  static std::mutex mutex;
  static std::map<std::pair<std::string, int>, simdnorm_context*> contexts;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = contexts.find({target, threads});
  if (it != contexts.end()) return it->second;
  simdnorm_context* ctx = nullptr;
  if (simdnorm_context_create(&ctx) != SIMDNORM_OK ||
      simdnorm_context_set_target(ctx, target.c_str()) != SIMDNORM_OK ||
      simdnorm_context_set_threads(ctx, threads) != SIMDNORM_OK) {
    simdnorm_context_destroy(ctx);
    ctx = nullptr;
  }
  // Explicit contexts start from the built-in tile sizes; take the same
  // tuning file as the default context would, so that a run with
  // SIMDNORM_TUNING measures the tuned tables.
  const char* tuning = TuningFile();
  if (ctx != nullptr && tuning != nullptr &&
      simdnorm_context_load_tuning(ctx, tuning) != SIMDNORM_OK) {
    std::fprintf(stderr, "simdnorm_bench: %s: %s\n", tuning,
                 simdnorm_last_error());
    simdnorm_context_destroy(ctx);
    ctx = nullptr;
  }
  contexts[{target, threads}] = ctx;  // kept until exit
  return ctx;
}

std::vector<std::string> SupportedTargets() {
  std::vector<std::string> targets;
  std::stringstream list(simdnorm_supported_targets());
  std::string name;
  while (std::getline(list, name, ',')) {
    if (!name.empty()) targets.push_back(name);
  }
  return targets;
}

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Source and destination of the reference copies, grown on demand and
// kept, so that the reference never pays page faults.
struct CopyBuffers {
  Buffer src, dst;
  void Reserve(size_t bytes) {
    const size_t count = (bytes + sizeof(float) - 1) / sizeof(float);
    if (src.size() >= count) return;
    src = Buffer();
    dst = Buffer();
    src = Buffer(count);
    dst = Buffer(count);
    src.FillRandom(7);
  }
};

void ParallelCopy(tbb::task_arena& arena, int threads, char* dst,
                  const char* src, size_t bytes) {
  // One equal, cache-line aligned piece per thread.
  const size_t piece = (bytes / threads + 63) / 64 * 64;
  arena.execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<int>(0, threads, 1),
        [&](const tbb::blocked_range<int>& r) {
          for (int t = r.begin(); t < r.end(); ++t) {
            const size_t begin = std::min(bytes, t * piece);
            const size_t end = std::min(bytes, begin + piece);
            std::memcpy(dst + begin, src + begin, end - begin);
          }
        },
        tbb::static_partitioner());
  });
}

// Seconds per call of `fn` over a batch of `reps` calls, after an untimed
// call: the batch then starts from its own steady state (its data in cache,
// the other batch's dirty lines already written back) instead of paying for
// the previous batch.
double BatchSeconds(const std::function<void()>& fn, int reps) {
  fn();
  const Clock::time_point t0 = Clock::now();
  for (int r = 0; r < reps; ++r) {
    fn();
    benchmark::ClobberMemory();
  }
  return Seconds(Clock::now() - t0) / reps;
}

// Calls per batch so that a batch lasts about 300 us (clock reads and
// stragglers then do not matter).
int BatchReps(const std::function<void()>& fn) {
  const double one = BatchSeconds(fn, 1);
  return std::max(1, static_cast<int>(300e-6 / std::max(one, 1e-9)));
}

double Median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

}  // namespace

std::function<void()> MemcpyReference(size_t bytes, int threads) {
  static CopyBuffers buffers;
  static std::map<int, std::unique_ptr<tbb::task_arena>> arenas;
  buffers.Reserve(bytes);
  char* dst = reinterpret_cast<char*>(buffers.dst.data());
  const char* src = reinterpret_cast<const char*>(buffers.src.data());
  std::function<void()> single = [=] {
    std::memcpy(dst, src, bytes);
    benchmark::DoNotOptimize(dst);
  };
  if (threads <= 1) return single;
  auto& arena = arenas[threads];
  if (!arena) arena = std::make_unique<tbb::task_arena>(threads);
  tbb::task_arena* a = arena.get();
  std::function<void()> parallel = [=] {
    ParallelCopy(*a, threads, dst, src, bytes);
    benchmark::DoNotOptimize(dst);
  };
  // Whichever is faster (small copies do not pay for a fork-join), decided
  // once per size and thread count: every case of that size, ours and the
  // peers', is then measured against the same kind of copy. (Deciding per
  // case let noise pick the single copy for one and the parallel one for
  // the next: 2-thread references of 100 and 286 us for the same 12 MB.)
  static std::map<std::pair<size_t, int>, bool> parallel_is_faster;
  const auto key = std::make_pair(bytes, threads);
  auto known = parallel_is_faster.find(key);
  if (known == parallel_is_faster.end()) {
    const int reps = BatchReps(single);
    std::vector<double> ratios;
    for (int round = 0; round < 5; ++round) {
      ratios.push_back(BatchSeconds(parallel, reps) /
                       BatchSeconds(single, reps));
    }
    known = parallel_is_faster.emplace(key, Median(ratios) < 1.0).first;
  }
  return known->second ? parallel : single;
}

double MedianRatio(const std::function<void()>& run,
                   const std::function<void()>& reference) {
  const int run_reps = BatchReps(run);
  const int reference_reps = BatchReps(reference);
  constexpr int kRounds = 5;
  std::vector<double> ratios;
  for (int round = 0; round < kRounds; ++round) {
    const double reference_seconds = BatchSeconds(reference, reference_reps);
    ratios.push_back(BatchSeconds(run, run_reps) / reference_seconds);
  }
  return Median(ratios);
}

void TimeCase(benchmark::State& state, size_t tensor_bytes, int threads,
              const std::function<void()>& run) {
  run();  // warm: caches, thread pools, lazy setup
  for (auto _ : state) {
    run();
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 2 *
                          static_cast<int64_t>(tensor_bytes));
  state.counters["x_memcpy"] =
      MedianRatio(run, MemcpyReference(tensor_bytes, threads));
}

std::string Dims(std::initializer_list<int64_t> dims) {
  std::string s;
  for (int64_t d : dims) {
    if (!s.empty()) s += 'x';
    s += std::to_string(d);
  }
  return s;
}

}  // namespace simdnorm_bench
