// simdnorm_batch_norm_inference and simdnorm_batch_norm_training with
// decoded shapes, layouts, activations, eps, momentum, running-statistics
// update, storage and output types, enum values, optional pointers and
// aliasing, checked against the header's contract (see fuzz_common.h).
#include <algorithm>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fuzz_channel.h"
#include "fuzz_common.h"
#include "fuzz_dtypes.h"

namespace simdnorm_fuzz {
namespace {

// struct_size of the args in 0.1.0: where the first appended field starts.
constexpr size_t kOldestArgsSize = offsetof(simdnorm_batch_norm_args, x_batch_stride);

enum ViewIndex {
  kX, kY, kGamma, kBeta, kRunningMean, kRunningVar, kBatchMean, kBatchRstd, kViews
};

float DecodeMomentum(ByteReader& in) {
  const uint8_t tag = in.Byte();
  if (tag < 160) return 0.1f;
  const float kValues[] = {0.0f, 1.0f, 0.5f, -0.0f, NAN, -0.1f,
                           1.0000001f, INFINITY, -INFINITY, 1e-30f};
  if (tag >= 250) {
    const uint32_t bits = in.U32();
    float f;
    std::memcpy(&f, &bits, sizeof(f));
    return f;
  }
  return kValues[tag % 10];
}

// y may be x exactly (unless y is int8); outputs (y, batch statistics,
// updated running statistics) are disjoint from each other and from the
// inputs. Arrays the call does not use may overlap anything as far as the
// header says, but must not be written.
void OverlapRules(Model& m, const std::vector<View>& views, bool training,
                  bool update, bool reads_running, bool quantized) {
  const View &x = views[kX], &y = views[kY], &gamma = views[kGamma],
             &beta = views[kBeta], &rmean = views[kRunningMean],
             &rvar = views[kRunningVar], &bmean = views[kBatchMean],
             &brstd = views[kBatchRstd];
  RuleInputOutput(m, x, y, !quantized);
  RuleDisjoint(m, gamma, y);
  RuleDisjoint(m, beta, y);
  std::vector<const View*> outputs = {&y};
  std::vector<const View*> inputs = {&x, &gamma, &beta};
  std::vector<const View*> unused;
  if (training) {
    outputs.push_back(&bmean);
    outputs.push_back(&brstd);
  } else {
    unused.push_back(&bmean);
    unused.push_back(&brstd);
  }
  if (update) {
    outputs.push_back(&rmean);
    outputs.push_back(&rvar);
  } else if (reads_running) {
    inputs.push_back(&rmean);
    inputs.push_back(&rvar);
    RuleDisjoint(m, rmean, y);
    RuleDisjoint(m, rvar, y);
  } else {
    unused.push_back(&rmean);
    unused.push_back(&rvar);
  }
  for (size_t i = 1; i < outputs.size(); ++i) {  // y was checked above
    for (const View* in_view : inputs) RuleDisjoint(m, *outputs[i], *in_view);
    for (size_t j = 0; j < i; ++j) RuleDisjoint(m, *outputs[i], *outputs[j]);
  }
  for (const View* u : unused) {
    for (const View* o : outputs) {
      if (RangesIntersect(*u, *o)) {
        m.Either(std::string(u->name) + " (unused) overlaps " + o->name);
      }
    }
  }
}

void FuzzOne(const uint8_t* data, size_t size) {
  ByteReader in(data, size);
  const bool training = in.Byte() % 2 == 1;
  const ContextChoice ctx = DecodeContext(in);
  const bool null_args = in.Byte() == 255;

  simdnorm_batch_norm_args args;
  simdnorm_batch_norm_args_init(&args);
  args.struct_size = DecodeArgsSize(in, sizeof(args), kOldestArgsSize);
  const DtypeFields fields = DecodeDtypeFields(in);
  const DtypeFields used = StoreDtypeFields(fields, args);
  const int layout = DecodeEnum(in, 2, 240);
  const int activation = DecodeEnum(in, 5, 240);
  SetRawEnum(&args.layout, layout);
  SetRawEnum(&args.activation, activation);
  args.batch = DecodeCount(in, 6, 64);
  args.channels = DecodeCount(in, 16, 512);
  args.spatial = DecodeCount(in, 16, 4096);
  args.eps = DecodeEps(in, 1e-5f);
  args.momentum = DecodeMomentum(in);
  {
    const uint8_t tag = in.Byte();
    const int kOther[] = {2, -1, INT_MIN, INT_MAX};
    args.update_running_stats = tag < 128 ? 0 : tag < 240 ? 1 : kOther[tag % 4];
  }
  args.param_count = DecodeParamCount(in, args.channels);
  const BatchStrides strides = DecodeBatchStrides(in, args);
  int running_stats = SIMDNORM_RUNNING_STATS_PYTORCH;  // as the call reads it
  StoreAppended(args, args.running_stats, DecodeEnum(in, 2, 240), &running_stats);
  const bool update = training && args.update_running_stats != 0;
  const bool reads_running = !training || update;

  SetCaseDescription(
      std::string(training ? "simdnorm_batch_norm_training "
                           : "simdnorm_batch_norm_inference ") +
      ctx.Describe() + (null_args ? " args=NULL" : "") + " struct_size=" +
      Str(static_cast<int64_t>(args.struct_size)) + " " + fields.Describe() +
      " layout=" + Str(int64_t{layout}) + " activation=" + Str(int64_t{activation}) +
      " N=" + Str(args.batch) + " C=" + Str(args.channels) + " S=" +
      Str(args.spatial) + " eps=" + Str(double{args.eps}) + " momentum=" +
      Str(double{args.momentum}) + " update=" + Str(int64_t{args.update_running_stats}) +
      " param_count=" + Str(args.param_count) + " batch strides x=" +
      Str(strides.x) + " y=" + Str(strides.y) + " running_stats=" +
      Str(int64_t{running_stats}));

  const __int128 N = args.batch, C = args.channels, S = args.spatial;
  const __int128 elems = N > 0 && C > 0 && S > 0 ? SaturatedProduct(N, C, S) : 0;
  std::vector<View> views(kViews);
  const auto vector = [&](ViewIndex i, const char* name, simdnorm_dtype type,
                          __int128 n, bool input, bool output) {
    views[i].name = name;
    views[i].type = type;
    views[i].rows = 1;
    views[i].cols = n > 0 ? n : 0;
    views[i].stride = views[i].cols;
    views[i].is_input = input;
    views[i].is_output = output;
  };
  vector(kX, "x", used.x_type(), elems, true, false);
  vector(kY, "y", used.y_type(), elems, false, true);
  SetBatchGeometry(views[kX], views[kY], args.batch, strides);
  vector(kGamma, "gamma", used.param_type(), C, true, false);
  vector(kBeta, "beta", used.param_type(), C, true, false);
  // Running statistics (fp32): inputs in inference, inputs and outputs
  // when updated, not used by batch statistics without the update.
  vector(kRunningMean, "running_mean", SIMDNORM_F32, C, reads_running, update);
  vector(kRunningVar, "running_var", SIMDNORM_F32, C, reads_running, update);
  // Batch statistics outputs (fp32); inference neither reads nor writes
  // them.
  vector(kBatchMean, "batch_mean", SIMDNORM_F32, C, false, training);
  vector(kBatchRstd, "batch_rstd", SIMDNORM_F32, C, false, training);

  OpRun run;
  run.views = &views;
  run.types = used.Types();
  const int null_weights[kViews] = {
      3, 3, 110, 110, training ? 128 : 8, training ? 128 : 8,
      training ? 150 : 246, training ? 150 : 246};
  for (int i = 0; i < kViews; ++i) {
    run.places.push_back(DecodePlacement(in, i, false, null_weights[i]));
    views[i].present = run.places[i].kind != Placement::kNull;
  }
  run.data = DecodeData(in);
  const View &x = views[kX], &y = views[kY], &gamma = views[kGamma],
             &beta = views[kBeta], &rmean = views[kRunningMean],
             &rvar = views[kRunningVar], &bmean = views[kBatchMean],
             &brstd = views[kBatchRstd];

  // ---------------------------------------------------- validity model
  // From the header: the type fields' rules (fuzz_dtypes.h), N >= 0,
  // C >= 1, S >= 1, known layout and activation, eps finite and >= 0;
  // batch statistics need momentum in [0, 1], more than one value per
  // channel, and both running statistics to update them; inference needs
  // the running statistics. param_count is 0 or C when a per-channel array
  // is used; batch strides 0 or at least C * S; the running statistics
  // convention PyTorch's or ONNX's (inference does not use it). y == x
  // (unless y is int8, and with equal strides) or disjoint; outputs (y,
  // batch statistics, updated running statistics) disjoint from each
  // other and from the inputs.
  Model& m = run.model;
  if (null_args) m.Invalid("args is NULL");
  if (!ArgsSizeValid(args.struct_size, kOldestArgsSize, sizeof(args))) {
    m.Invalid("struct_size");
  }
  DtypeRules(m, used);
  BatchStrideRules(m, args.batch, strides);
  if (running_stats != SIMDNORM_RUNNING_STATS_PYTORCH &&
      running_stats != SIMDNORM_RUNNING_STATS_ONNX) {
    if (training) m.Invalid("running_stats");
    else m.Either("running_stats unknown, unused by inference");
  }
  if (layout != SIMDNORM_NCHW && layout != SIMDNORM_NHWC) m.Invalid("layout");
  if (activation < SIMDNORM_ACT_NONE || activation > SIMDNORM_ACT_GELU_TANH) {
    m.Invalid("activation");
  }
  if (N < 0) m.Invalid("batch < 0");
  if (C <= 0) m.Invalid("channels <= 0");
  if (S <= 0) m.Invalid("spatial <= 0");
  // One sample must fit too, even in an empty batch.
  if (N >= 0 && C > 0 && S > 0 &&
      (!FitsTensor(SaturatedProduct(N, C, S)) || !FitsTensor(SaturatedProduct(1, C, S)))) {
    m.Invalid("too large");
  }
  if (!(std::isfinite(args.eps) && args.eps >= 0.0f)) m.Invalid("eps");
  bool param_arrays = gamma.present || beta.present;
  bool unused_arrays = false;
  if (training) {
    if (!(args.momentum >= 0.0f && args.momentum <= 1.0f)) m.Invalid("momentum");
    if (N > 0 && N * S == 1) m.Invalid("one value per channel");
    if (update && (!rmean.present || !rvar.present)) {
      m.Invalid("update without running statistics");
    }
    param_arrays |= bmean.present || brstd.present;
    if (update) param_arrays |= rmean.present || rvar.present;
    else unused_arrays |= rmean.present || rvar.present;
  } else {
    if (!rmean.present || !rvar.present) {
      if (elems > 0) m.Invalid("inference without running statistics");
      else m.Either("empty inference without running statistics");
    }
    if (bmean.present || brstd.present) {
      m.Either("batch_mean/batch_rstd given to inference");
      unused_arrays = true;
    }
    param_arrays |= rmean.present || rvar.present;
  }
  if (args.param_count != 0 && args.param_count != args.channels) {
    if (param_arrays) m.Invalid("param_count is not C");
    else if (unused_arrays) m.Either("param_count is not C, arrays unused");
  }
  if (elems > 0) {
    if (!x.present) m.Invalid("x is NULL");
    if (!y.present) m.Invalid("y is NULL");
  }
  Layout placed;
  placed.Place(views, run.places);
  // An empty batch reads and writes nothing: overlaps do not matter then,
  // though the header does not say so.
  Model overlaps;
  OverlapRules(overlaps, views, training, update, reads_running, used.quantized());
  m.Merge(overlaps, elems == 0);

  // ---------------------------------------------------------- the call
  simdnorm_context* const context = ctx.Get();
  run.bind = [&](const Arenas& a) {
    args.x = a.Pointer(x);
    args.y = a.Pointer(y);
    args.gamma = a.Pointer(gamma);
    args.beta = a.Pointer(beta);
    args.running_mean = static_cast<float*>(a.Pointer(rmean));
    args.running_var = static_cast<float*>(a.Pointer(rvar));
    args.batch_mean = static_cast<float*>(a.Pointer(bmean));
    args.batch_rstd = static_cast<float*>(a.Pointer(brstd));
  };
  run.call = [&]() {
    const simdnorm_batch_norm_args* p = null_args ? nullptr : &args;
    return training ? simdnorm_batch_norm_training(context, p)
                    : simdnorm_batch_norm_inference(context, p);
  };
  run.written = [&](int, std::vector<uint8_t>& mask) {
    if (elems > 0) std::fill(mask.begin(), mask.end(), 1);  // else a no-op
  };
  run.reference = [&](std::vector<Elements>& dense) {
    simdnorm_batch_norm_args ref = args;
    ref.struct_size = sizeof(ref);
    ref.x_batch_stride = 0;  // dense
    ref.y_batch_stride = 0;
    SetRawEnum(&ref.running_stats, running_stats);
    StoreDtypeFields(used, ref);
    const auto ptr = [&](int v) -> void* {
      return views[v].present ? dense[v].bytes.data() : nullptr;
    };
    const auto stat = [&](int v) { return static_cast<float*>(ptr(v)); };
    ref.x = ptr(kX);
    ref.y = ptr(kY);
    ref.gamma = ptr(kGamma);
    ref.beta = ptr(kBeta);
    // Unused running statistics are passed as they were (never touched).
    ref.running_mean = reads_running ? stat(kRunningMean) : args.running_mean;
    ref.running_var = reads_running ? stat(kRunningVar) : args.running_var;
    ref.batch_mean = training ? stat(kBatchMean) : nullptr;
    ref.batch_rstd = training ? stat(kBatchRstd) : nullptr;
    return training ? simdnorm_batch_norm_training(ctx.Reference(), &ref)
                    : simdnorm_batch_norm_inference(ctx.Reference(), &ref);
  };
  const bool moderate = run.data.Moderate() && !MixedInputTypes(views) &&
                        elems > 0 && args.eps > 0.0f;
  run.check_reference = [&](const std::vector<Elements>& dense) {
    if (!moderate) return;
    // |x - mean| * rstd: at most sqrt(N * S) with batch statistics; in
    // inference (max|x| + max|running_mean|) * rsqrt(running_var + eps),
    // finite only for a positive sum.
    double normalized = std::sqrt(static_cast<double>(N * S));
    if (!training) {
      double min_var = INFINITY;
      for (size_t c = 0; c < dense[kRunningVar].size(); ++c) {
        const float v = static_cast<float>(dense[kRunningVar][c]);
        if (!(v + args.eps >= 1e-20f)) return;
        min_var = std::min(min_var, static_cast<double>(v + args.eps));
      }
      normalized = (dense[kX].MaxAbs(0.0) + dense[kRunningMean].MaxAbs(0.0)) /
                   std::sqrt(min_var);
    }
    CheckFinite(y, dense[kY],
                normalized * dense[kGamma].MaxAbs(1.0) + dense[kBeta].MaxAbs(0.0));
    for (int v : {kBatchMean, kBatchRstd, kRunningMean, kRunningVar}) {
      if (views[v].is_output) CheckFinite(views[v], dense[v], 0.0);
    }
  };
  RunOpCase(run);
}

}  // namespace
}  // namespace simdnorm_fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  simdnorm_fuzz::FuzzOne(data, size);
  return 0;
}
