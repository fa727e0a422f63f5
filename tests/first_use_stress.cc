// First use of the process-default context (NULL) from many threads at the
// same moment. It needs a fresh process, in which nothing has touched the
// library yet: the default context, the target lists and oneTBB's own
// global state are all created by this race. Each thread then checks its
// results against an explicit 1-thread context built afterwards (results
// do not depend on the thread count). Exit status 0 = pass.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "simdnorm/simdnorm.h"

namespace {

constexpr int kThreads = 8;
// Large enough for the default context to use its threads (a problem
// under the default inline_bytes, 192 KiB, would run on the caller).
constexpr int64_t kRows = 64, kCols = 1024;
constexpr int64_t kN = 2, kC = 32, kS = 1024, kG = 8;

std::vector<float> RandomValues(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(1.5f, 2.0f);
  std::vector<float> v(n);
  for (float& f : v) f = dist(rng);
  return v;
}

const std::vector<float>& RowInput() {
  static const std::vector<float> x = RandomValues(kRows * kCols, 1);
  return x;
}
const std::vector<float>& ChannelInput() {
  static const std::vector<float> x = RandomValues(kN * kC * kS, 2);
  return x;
}

// The outputs of the ops one thread runs.
struct Results {
  std::vector<float> layer, layer_mean, rms, group, batch, batch_mean;
  std::string target, compiled, supported;
  std::string error;  // first failure, empty if none
};

void Note(Results* r, const char* what, simdnorm_status status) {
  if (status != SIMDNORM_OK && r->error.empty()) {
    r->error = std::string(what) + ": " + simdnorm_status_string(status) +
               ": " + simdnorm_last_error();
  }
}

void LayerNorm(simdnorm_context* ctx, Results* r) {
  r->layer.assign(kRows * kCols, 0.0f);
  r->layer_mean.assign(kRows, 0.0f);
  simdnorm_row_norm_args a;
  simdnorm_row_norm_args_init(&a);
  a.rows = kRows;
  a.cols = kCols;
  a.x = RowInput().data();
  a.y = r->layer.data();
  a.mean = r->layer_mean.data();
  Note(r, "layer_norm", simdnorm_layer_norm(ctx, &a));
}

void RmsNorm(simdnorm_context* ctx, Results* r) {
  r->rms.assign(kRows * kCols, 0.0f);
  simdnorm_row_norm_args a;
  simdnorm_row_norm_args_init(&a);
  a.rows = kRows;
  a.cols = kCols;
  a.x = RowInput().data();
  a.y = r->rms.data();
  Note(r, "rms_norm", simdnorm_rms_norm(ctx, &a));
}

void GroupNorm(simdnorm_context* ctx, Results* r) {
  r->group.assign(kN * kC * kS, 0.0f);
  simdnorm_group_norm_args a;
  simdnorm_group_norm_args_init(&a);
  a.layout = SIMDNORM_NHWC;
  a.batch = kN;
  a.channels = kC;
  a.spatial = kS;
  a.groups = kG;
  a.x = ChannelInput().data();
  a.y = r->group.data();
  Note(r, "group_norm", simdnorm_group_norm(ctx, &a));
}

void BatchNorm(simdnorm_context* ctx, Results* r) {
  r->batch.assign(kN * kC * kS, 0.0f);
  r->batch_mean.assign(kC, 0.0f);
  simdnorm_batch_norm_args a;
  simdnorm_batch_norm_args_init(&a);
  a.batch = kN;
  a.channels = kC;
  a.spatial = kS;
  a.x = ChannelInput().data();
  a.y = r->batch.data();
  a.batch_mean = r->batch_mean.data();
  Note(r, "batch_norm_training", simdnorm_batch_norm_training(ctx, &a));
}

void Queries(simdnorm_context* ctx, Results* r) {
  r->target = simdnorm_context_target(ctx);
  r->compiled = simdnorm_compiled_targets();
  r->supported = simdnorm_supported_targets();
  simdnorm_tile_params t;
  simdnorm_tile_params_init(&t);
  Note(r, "get_tile_params",
       simdnorm_context_get_tile_params(ctx, SIMDNORM_OP_LAYER_NORM,
                                        SIMDNORM_NCHW, kCols, &t));
}

using Step = void (*)(simdnorm_context*, Results*);
constexpr Step kSteps[] = {LayerNorm, RmsNorm, GroupNorm, BatchNorm, Queries};
constexpr int kStepCount = sizeof(kSteps) / sizeof(kSteps[0]);

// Thread t starts with step t, so that every entry point is somebody's
// first call into the library.
void RunAll(simdnorm_context* ctx, int first, Results* r) {
  for (int i = 0; i < kStepCount; ++i) kSteps[(first + i) % kStepCount](ctx, r);
}

bool Same(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// What differs between a thread's results and the expected ones.
std::string Differences(const Results& got, const Results& want) {
  std::string d;
  const auto check = [&](bool same, const char* what) {
    if (!same) d += std::string(d.empty() ? "" : ", ") + what;
  };
  check(Same(got.layer, want.layer), "layer_norm y");
  check(Same(got.layer_mean, want.layer_mean), "layer_norm mean");
  check(Same(got.rms, want.rms), "rms_norm y");
  check(Same(got.group, want.group), "group_norm y");
  check(Same(got.batch, want.batch), "batch_norm y");
  check(Same(got.batch_mean, want.batch_mean), "batch_norm mean");
  check(got.target == want.target, "target");
  check(got.compiled == want.compiled, "compiled targets");
  check(got.supported == want.supported, "supported targets");
  return d;
}

}  // namespace

int main() {
  // Inputs are made before the race: it is the library's first use that
  // must be concurrent, not the test's.
  RowInput();
  ChannelInput();

  std::vector<Results> results(kThreads);
  std::atomic<int> waiting{kThreads};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      waiting.fetch_sub(1);
      while (waiting.load() > 0) std::this_thread::yield();
      RunAll(nullptr, t % kStepCount, &results[t]);
    });
  }
  for (std::thread& t : threads) t.join();

  // The same work on an explicit 1-thread context configured as the default
  // one (same target and tuning file, from the environment).
  simdnorm_context* single = nullptr;
  Results want;
  const char* target = std::getenv("SIMDNORM_TARGET");
  if (target != nullptr && target[0] == '\0') target = nullptr;  // unset
  if (simdnorm_context_create(&single) != SIMDNORM_OK ||
      simdnorm_context_set_threads(single, 1) != SIMDNORM_OK ||
      simdnorm_context_set_target(single, target) != SIMDNORM_OK) {
    std::printf("first use: cannot make the reference context: %s\n",
                simdnorm_last_error());
    return 1;
  }
  const char* tuning = std::getenv("SIMDNORM_TUNING");
  if (tuning != nullptr && tuning[0] != '\0') {
    Note(&want, "load_tuning", simdnorm_context_load_tuning(single, tuning));
  }
  RunAll(single, 0, &want);
  simdnorm_context_destroy(single);
  if (!want.error.empty()) {
    std::printf("first use: reference run failed: %s\n", want.error.c_str());
    return 1;
  }

  int failures = 0;
  for (int t = 0; t < kThreads; ++t) {
    std::string problem = results[t].error;
    if (problem.empty()) problem = Differences(results[t], want);
    if (!problem.empty()) {
      std::printf("first use: thread %d: %s\n", t, problem.c_str());
      ++failures;
    }
  }
  std::printf("first use of the default context from %d threads: %s\n",
              kThreads, failures == 0 ? "pass" : "FAIL");
  return failures == 0 ? 0 : 1;
}
