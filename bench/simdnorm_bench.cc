// Every op x layout x shape x ISA target x threads (1 and all cores), plus
// the scalar baseline, oneDNN and PyTorch, each against a memcpy of the
// same bytes measured in the same process. Names:
//   <Op>/f32[/<layout>]/<shape>/<impl>/threads:<n>
// with impl an ISA target (AVX3, AVX2, ...), "oneDNN", "PyTorch" or
// "scalar", so that --benchmark_filter can pick a subset, e.g.
// '/AVX3/threads:1$' or '^LayerNorm/'.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "bench_util.h"
#include "peers.h"
#include "simdnorm/simdnorm.h"


namespace simdnorm_bench {
namespace {

struct Case {
  Op op;
  bool channels_last;
  int64_t n, c, h, w;  // row norms: rows = n, cols = c
  int64_t groups;
  bool one_d;  // BatchNorm1d on [N, C]
  // Bytes past a 64-byte boundary of x and y (malloc and numpy give 16).
  int x_offset = 0;
  int y_offset = 0;
  simdnorm_dtype dtype = SIMDNORM_F32;  // storage of x and y
  simdnorm_dtype y_dtype = SIMDNORM_F32;  // 0 = dtype, or int8
};

const char* DtypeName(simdnorm_dtype dtype) {
  switch (dtype) {
    case SIMDNORM_BF16: return "bf16";
    case SIMDNORM_F16: return "f16";
    case SIMDNORM_S8: return "s8";
    case SIMDNORM_U8: return "u8";
    default: return "f32";
  }
}

// "f32", or "f32-s8" for a quantized output.
std::string TypesName(const Case& k) {
  std::string name = DtypeName(k.dtype);
  if (k.y_dtype != 0) name += std::string("-") + DtypeName(k.y_dtype);
  return name;
}

const char* OpName(Op op) {
  switch (op) {
    case Op::kLayerNorm: return "LayerNorm";
    case Op::kRmsNorm: return "RMSNorm";
    case Op::kGroupNorm: return "GroupNorm";
    case Op::kInstanceNorm: return "InstanceNorm";
    case Op::kBatchNormInference: return "BatchNormInference";
    case Op::kBatchNormTraining: return "BatchNormTraining";
  }
  return "?";
}

bool IsRowNorm(Op op) { return op == Op::kLayerNorm || op == Op::kRmsNorm; }

// "/x+16,y+0" for offset buffers; "" for 64-byte aligned ones.
std::string AlignmentName(const Case& k) {
  if (k.x_offset == 0 && k.y_offset == 0) return "";
  return "/x+" + std::to_string(k.x_offset) + ",y+" +
         std::to_string(k.y_offset);
}

// The benchmark name up to the implementation.
std::string CaseName(const Case& k) {
  std::string name =
      std::string(OpName(k.op)) + "/" + TypesName(k) + "/";
  if (IsRowNorm(k.op)) return name + Dims({k.n, k.c}) + AlignmentName(k);
  if (k.one_d) return name + "NC/" + Dims({k.n, k.c}) + AlignmentName(k);
  name += k.channels_last ? "NHWC/" : "NCHW/";
  name += Dims({k.n, k.c, k.h, k.w});
  if (k.op == Op::kGroupNorm) name += "/G" + std::to_string(k.groups);
  return name + AlignmentName(k);
}

std::vector<Case> Suite() {
  const Op LN = Op::kLayerNorm, RMS = Op::kRmsNorm, GN = Op::kGroupNorm,
           IN = Op::kInstanceNorm, BNI = Op::kBatchNormInference,
           BNT = Op::kBatchNormTraining;
  return {
      {LN, false, 32, 64, 1, 1, 1, false},
      {LN, false, 4096, 768, 1, 1, 1, false},
      {LN, false, 2048, 4096, 1, 1, 1, false},
      {LN, false, 1, 4096, 1, 1, 1, false},
      // One large row: the reduction must be split for threads to help.
      {LN, false, 1, 65536, 1, 1, 1, false},
      {RMS, false, 2048, 4096, 1, 1, 1, false},
      {RMS, false, 1, 4096, 1, 1, 1, false},
      {GN, false, 32, 64, 32, 32, 4, false},
      {GN, false, 2, 320, 64, 64, 32, false},
      {GN, false, 2, 1280, 8, 8, 32, false},
      {GN, false, 32, 64, 56, 56, 32, false},
      {GN, false, 1, 512, 256, 256, 32, false},
      {GN, true, 2, 320, 64, 64, 32, false},
      {GN, true, 32, 64, 56, 56, 32, false},
      {IN, false, 1, 64, 256, 256, 64, false},
      {IN, false, 8, 128, 64, 64, 128, false},
      {BNI, false, 32, 64, 1, 1, 1, true},
      {BNI, false, 32, 64, 56, 56, 1, false},
      {BNI, false, 32, 2048, 7, 7, 1, false},
      {BNT, false, 32, 64, 1, 1, 1, true},
      {BNT, false, 32, 64, 56, 56, 1, false},
      // Shape classes: rows narrower than a vector, LLM decode and
      // prefill, channel counts off the vector, many channels with small
      // spatial extent, N = 1, UNet/VAE GroupNorm in both layouts.
      {LN, false, 4096, 7, 1, 1, 1, false},
      {LN, false, 1, 8192, 1, 1, 1, false},
      {RMS, false, 512, 4096, 1, 1, 1, false},
      {LN, false, 256, 1000, 1, 1, 1, false},
      {GN, false, 1, 512, 128, 128, 32, false},
      {GN, true, 1, 512, 128, 128, 32, false},
      {GN, true, 8, 100, 28, 28, 20, false},
      {IN, true, 8, 128, 64, 64, 128, false},
      {BNI, true, 32, 100, 28, 28, 1, false},
      {BNI, false, 1, 256, 56, 56, 1, false},
      {BNT, false, 32, 2048, 7, 7, 1, false},
      {BNT, true, 32, 2048, 7, 7, 1, false},
      {BNT, true, 32, 64, 56, 56, 1, false},
  };
}

// The alignment sweep: one large case per op and layout, with x and y at
// the offsets (bytes past a 64-byte boundary) that real buffers have.
std::vector<Case> AlignmentSweep() {
  const Op LN = Op::kLayerNorm, RMS = Op::kRmsNorm, GN = Op::kGroupNorm,
           IN = Op::kInstanceNorm, BNI = Op::kBatchNormInference,
           BNT = Op::kBatchNormTraining;
  const Case bases[] = {
      {LN, false, 4096, 768, 1, 1, 1, false},
      {RMS, false, 4096, 768, 1, 1, 1, false},
      {GN, false, 32, 64, 56, 56, 32, false},
      {GN, true, 2, 320, 64, 64, 32, false},
      {IN, false, 8, 128, 64, 64, 128, false},
      {BNI, false, 32, 2048, 7, 7, 1, false},
      {BNI, true, 32, 64, 56, 56, 1, false},
      {BNT, false, 32, 64, 56, 56, 1, false},
  };
  // (0, 0) is the aligned case the others are compared with; the suite
  // has some of them already (RegisterSuite skips those).
  const int offsets[][2] = {{0, 0},  {4, 4}, {16, 16}, {36, 36},
                            {60, 60}, {16, 0}, {0, 16}, {4, 60}};
  std::vector<Case> sweep;
  for (const Case& base : bases) {
    for (const auto& o : offsets) {
      Case k = base;
      k.x_offset = o[0];
      k.y_offset = o[1];
      sweep.push_back(k);
    }
  }
  return sweep;
}

// Every op in bf16 and fp16 storage: large problems (the memory-bound
// goal) and the latency-bound row norms.
std::vector<Case> StorageCases() {
  const Op LN = Op::kLayerNorm, RMS = Op::kRmsNorm, GN = Op::kGroupNorm,
           IN = Op::kInstanceNorm, BNI = Op::kBatchNormInference,
           BNT = Op::kBatchNormTraining;
  std::vector<Case> cases;
  for (const simdnorm_dtype dtype : {SIMDNORM_BF16, SIMDNORM_F16}) {
    for (Case k : std::vector<Case>{{LN, false, 4096, 768, 1, 1, 1, false},
                                    {LN, false, 2048, 4096, 1, 1, 1, false},
                                    {RMS, false, 2048, 4096, 1, 1, 1, false},
                                    {LN, false, 1, 4096, 1, 1, 1, false},
                                    {RMS, false, 1, 4096, 1, 1, 1, false},
                                    {GN, false, 32, 64, 56, 56, 32, false},
                                    {GN, true, 2, 320, 64, 64, 32, false},
                                    {IN, false, 8, 128, 64, 64, 128, false},
                                    {BNI, false, 32, 64, 56, 56, 1, false},
                                    {BNI, true, 32, 64, 56, 56, 1, false},
                                    {BNT, false, 32, 64, 56, 56, 1, false}}) {
      k.dtype = dtype;
      cases.push_back(k);
      k.x_offset = k.y_offset = 16;  // as from malloc or numpy
      if (k.n > 1) cases.push_back(k);
    }
  }
  // Quantizing y to int8 (a quarter of fp32's bytes written; the ratio is
  // still to a memcpy of x's bytes).
  for (const simdnorm_dtype dtype : {SIMDNORM_F32, SIMDNORM_BF16}) {
    for (Case k : std::vector<Case>{{LN, false, 4096, 768, 1, 1, 1, false},
                                    {RMS, false, 2048, 4096, 1, 1, 1, false},
                                    {GN, true, 2, 320, 64, 64, 32, false},
                                    {BNI, false, 32, 64, 56, 56, 1, false}}) {
      k.dtype = dtype;
      k.y_dtype = SIMDNORM_S8;
      k.x_offset = k.y_offset = 16;
      cases.push_back(k);
    }
  }
  return cases;
}

// Buffers reused across the cases of one shape (every ISA, thread count and
// peer), so that they are allocated and filled once.
struct Workspace {
  std::map<int, Buffer> slots;
  // The buffer of `slot`, refilled when its size changes; 16-bit storage
  // types hold the same values narrowed (in their own slots).
  float* Get(int slot, size_t count, uint32_t seed, float offset,
             simdnorm_dtype dtype = SIMDNORM_F32) {
    Buffer& b = slots[slot * 4 + dtype];
    if (b.size() != count) {
      b = Buffer();
      b = Buffer(count);
      b.FillRandom(seed, offset);
      if (dtype != SIMDNORM_F32) NarrowInPlace(b.data(), count, dtype);
    }
    return b.data();
  }
};

Workspace& SharedWorkspace() {
  static Workspace w;
  return w;
}

Problem MakeProblem(const Case& k) {
  Problem p;
  p.op = k.op;
  p.channels_last = k.channels_last;
  p.batch = k.n;
  p.channels = k.c;
  p.spatial = k.h * k.w;
  p.height = k.h;
  p.width = k.w;
  p.groups = k.op == Op::kInstanceNorm ? k.c : k.groups;
  p.dtype = k.dtype;
  p.y_dtype = k.y_dtype;
  Workspace& w = SharedWorkspace();
  const size_t count = static_cast<size_t>(p.elements());
  const size_t params = static_cast<size_t>(k.c);
  // One vector of slack for the offsets.
  float* x = w.Get(0, count + 16, 1, 0.5f, k.dtype);
  float* y = w.Get(1, count + 16, 2, 0.0f, k.dtype);
  p.x = reinterpret_cast<const char*>(x) + k.x_offset;
  p.y = reinterpret_cast<char*>(y) + k.y_offset;
  p.gamma = w.Get(2, params, 3, 1.0f);
  p.beta = k.op == Op::kRmsNorm ? nullptr : w.Get(3, params, 4, 0.0f);
  p.running_mean = w.Get(4, params, 5, 0.5f);
  p.running_var = w.Get(5, params, 6, 2.0f);  // positive: 2 +- 1.7
  return p;
}

// A call of the library for one problem; returns its status.
using LibraryCall = std::function<simdnorm_status()>;

LibraryCall MakeLibraryCall(const Problem& p, simdnorm_context* ctx) {
  if (IsRowNorm(p.op)) {
    simdnorm_row_norm_args a;
    simdnorm_row_norm_args_init(&a);
    a.dtype = p.dtype;
    a.rows = p.batch;
    a.cols = p.channels;
    a.eps = p.eps;
    a.x = p.x;
    a.y = p.y;
    a.gamma = p.gamma;
    a.beta = p.beta;
    a.y_dtype = p.y_dtype;
    a.y_scale = 0.05f;
    const auto fn =
        p.op == Op::kRmsNorm ? simdnorm_rms_norm : simdnorm_layer_norm;
    return [=] { return fn(ctx, &a); };
  }
  if (p.op == Op::kGroupNorm || p.op == Op::kInstanceNorm) {
    const auto fn = p.op == Op::kGroupNorm ? &simdnorm_group_norm
                                           : &simdnorm_instance_norm;
    simdnorm_group_norm_args a;
    simdnorm_group_norm_args_init(&a);
    a.dtype = p.dtype;
    a.layout = p.channels_last ? SIMDNORM_NHWC : SIMDNORM_NCHW;
    a.batch = p.batch;
    a.channels = p.channels;
    a.spatial = p.spatial;
    a.groups = p.groups;
    a.eps = p.eps;
    a.x = p.x;
    a.y = p.y;
    a.gamma = p.gamma;
    a.beta = p.beta;
    a.y_dtype = p.y_dtype;
    a.y_scale = 0.05f;
    return [=] { return fn(ctx, &a); };
  }
  const auto fn = p.op == Op::kBatchNormInference
                      ? &simdnorm_batch_norm_inference
                      : &simdnorm_batch_norm_training;
  simdnorm_batch_norm_args a;
  simdnorm_batch_norm_args_init(&a);
  a.dtype = p.dtype;
  a.layout = p.channels_last ? SIMDNORM_NHWC : SIMDNORM_NCHW;
  a.batch = p.batch;
  a.channels = p.channels;
  a.spatial = p.spatial;
  a.eps = p.eps;
  a.x = p.x;
  a.y = p.y;
  a.gamma = p.gamma;
  a.beta = p.beta;
  a.running_mean = p.running_mean;
  a.running_var = p.running_var;
  a.update_running_stats = 1;
  a.y_dtype = p.y_dtype;
  a.y_scale = 0.05f;
  return [=] { return fn(ctx, &a); };
}

void TimeLoop(benchmark::State& state, const Problem& p, int threads,
              const std::function<void()>& run) {
  TimeCase(state, static_cast<size_t>(p.elements()) * p.element_bytes(),
           threads, run);
}

void LibraryCase(benchmark::State& state, const Case& k,
                 const std::string& target, int threads) {
  simdnorm_context* ctx = ContextFor(target, threads);
  if (ctx == nullptr) {
    state.SkipWithError(
        "cannot create a context for this target (or load SIMDNORM_TUNING)");
    return;
  }
  const Problem p = MakeProblem(k);
  const LibraryCall call = MakeLibraryCall(p, ctx);
  const simdnorm_status status = call();
  if (status != SIMDNORM_OK) {
    const std::string message = std::string(simdnorm_status_string(status)) +
                                ": " + simdnorm_last_error();
    state.SkipWithError(message.c_str());
    return;
  }
  TimeLoop(state, p, threads, [&] { call(); });
}

void ScalarCase(benchmark::State& state, const Case& k) {
  const Problem p = MakeProblem(k);
  const Runner run = MakeScalarRunner(p);
  TimeLoop(state, p, 1, run);
}

void DnnlCase(benchmark::State& state, const Case& k, int threads) {
  const Problem p = MakeProblem(k);
  std::string why;
  const Runner run = MakeDnnlRunner(p, threads, &why);
  if (!run) {
    state.SkipWithError(why.c_str());
    return;
  }
  TimeLoop(state, p, threads, run);
}

void TorchCase(benchmark::State& state, const Case& k, int threads) {
  const Problem p = MakeProblem(k);
  std::string why;
  const Runner run = MakeTorchRunner(p, threads, &why);
  if (!run) {
    state.SkipWithError(why.c_str());
    return;
  }
  TimeLoop(state, p, threads, run);
}

bool DnnlCovers(Op op) {
  return op == Op::kLayerNorm || op == Op::kBatchNormInference ||
         op == Op::kBatchNormTraining;
}

void RegisterSuite() {
  std::vector<int> thread_counts = {1};
  if (AllCores() > 1) thread_counts.push_back(AllCores());
  const std::vector<std::string> all_targets = SupportedTargets();
  std::vector<Case> cases = Suite();
  const size_t suite_size = cases.size();
  std::set<std::string> names;
  for (const Case& k : cases) names.insert(CaseName(k));
  for (const Case& k : StorageCases()) cases.push_back(k);
  const size_t with_storage = cases.size();
  for (const Case& k : AlignmentSweep()) {
    if (names.insert(CaseName(k)).second) cases.push_back(k);
  }
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& k = cases[i];
    // The sweep runs on the best target only (and oneDNN and PyTorch).
    const std::vector<std::string> targets =
        i < with_storage ? all_targets
                         : std::vector<std::string>{all_targets.front()};
    const std::string base = CaseName(k);
    const auto add = [&](const std::string& impl, int threads, auto fn) {
      const std::string name =
          base + "/" + impl + "/threads:" + std::to_string(threads);
      benchmark::RegisterBenchmark(name.c_str(), fn)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    };
    for (int threads : thread_counts) {
      for (const std::string& target : targets) {
        add(target, threads, [k, target, threads](benchmark::State& s) {
          LibraryCase(s, k, target, threads);
        });
      }
      if (k.y_dtype != 0) continue;  // no peer quantizes y
      if (HaveDnnl() && DnnlCovers(k.op)) {
        add("oneDNN", threads,
            [k, threads](benchmark::State& s) { DnnlCase(s, k, threads); });
      }
      // PyTorch has every op and layout.
      if (HaveTorch()) {
        add("PyTorch", threads,
            [k, threads](benchmark::State& s) { TorchCase(s, k, threads); });
      }
    }
    if (i < suite_size) {
      add("scalar", 1, [k](benchmark::State& s) { ScalarCase(s, k); });
    }
  }
}

}  // namespace
}  // namespace simdnorm_bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("simdnorm_version", simdnorm_version());
  benchmark::AddCustomContext("simdnorm_targets",
                              simdnorm_supported_targets());
  benchmark::AddCustomContext("all_cores",
                              std::to_string(simdnorm_bench::AllCores()));
  benchmark::AddCustomContext(
      "onednn", simdnorm_bench::HaveDnnl() ? "2.6" : "not built in");
  const char* torch_version = simdnorm_bench::TorchVersion();
  benchmark::AddCustomContext("pytorch",
                              torch_version ? torch_version : "not built in");
  const char* tuning = simdnorm_bench::TuningFile();
  benchmark::AddCustomContext("tuning", tuning ? tuning : "built-in defaults");
  simdnorm_bench::RegisterSuite();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
