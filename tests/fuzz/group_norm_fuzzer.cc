// simdnorm_group_norm, simdnorm_instance_norm and simdnorm_group_norm_slice
// with decoded shapes, groups, layouts, activations, eps, storage and
// output types, enum values, optional pointers, aliasing and unit ranges,
// checked against the header's contract (see fuzz_common.h).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "fuzz_channel.h"
#include "fuzz_common.h"
#include "fuzz_dtypes.h"

namespace simdnorm_fuzz {
namespace {

// struct_size of the args in 0.1.0: where the first appended field starts.
constexpr size_t kOldestArgsSize = offsetof(simdnorm_group_norm_args, x_batch_stride);

enum ViewIndex { kX, kY, kGamma, kBeta, kMean, kRstd, kViews };

// Mostly a divisor of channels, sometimes anything.
int64_t DecodeGroups(ByteReader& in, int64_t channels) {
  const uint8_t tag = in.Byte();
  if (tag < 200 && channels > 0 && channels <= 4096) {
    std::vector<int64_t> divisors;
    for (int64_t d = 1; d <= channels; ++d) {
      if (channels % d == 0) divisors.push_back(d);
    }
    return divisors[tag % divisors.size()];
  }
  return DecodeCount(in, 9, 1024);
}

void FuzzOne(const uint8_t* data, size_t size) {
  ByteReader in(data, size);
  const int entry = in.Byte() % 3;
  const bool instance = entry == 1;
  const bool slice = entry == 2;
  const ContextChoice ctx = DecodeContext(in);
  const bool null_args = in.Byte() == 255;

  simdnorm_group_norm_args args;
  simdnorm_group_norm_args_init(&args);
  args.struct_size = DecodeArgsSize(in, sizeof(args), kOldestArgsSize);
  const DtypeFields fields = DecodeDtypeFields(in);
  const DtypeFields used = StoreDtypeFields(fields, args);
  const int layout = DecodeEnum(in, 2, 240);
  const int activation = DecodeEnum(in, 5, 240);
  SetRawEnum(&args.layout, layout);
  SetRawEnum(&args.activation, activation);
  args.batch = DecodeCount(in, 4, 64);
  args.channels = DecodeCount(in, 16, 512);
  args.spatial = DecodeCount(in, 16, 4096);
  args.groups = DecodeGroups(in, args.channels);
  args.eps = DecodeEps(in, 1e-5f);
  args.param_count = DecodeParamCount(in, args.channels);
  const BatchStrides strides = DecodeBatchStrides(in, args);
  const __int128 N = args.batch, C = args.channels, S = args.spatial;
  const __int128 G = instance ? C : args.groups;
  const __int128 units = N > 0 && G > 0 ? N * G : 0;
  int64_t unit_begin = 0, unit_end = 0;
  if (slice) {
    const uint8_t tag = in.Byte();
    const uint64_t span = units < INT32_MAX ? static_cast<uint64_t>(units) + 1 : INT32_MAX;
    if (tag < 224) {
      unit_begin = static_cast<int64_t>(in.U32() % span);
      unit_end = unit_begin + static_cast<int64_t>(in.U32() % (span - static_cast<uint64_t>(unit_begin)));
    } else {
      const int64_t u = static_cast<int64_t>(span - 1);
      const int64_t pairs[][2] = {{-1, 0}, {0, u + 1}, {1, 0}, {INT64_MIN, INT64_MAX},
                                  {u, u}, {0, INT64_MAX}, {u + 1, u + 1}};
      unit_begin = pairs[tag % 7][0];
      unit_end = pairs[tag % 7][1];
    }
  }

  static const char* const kEntryNames[] = {
      "simdnorm_group_norm", "simdnorm_instance_norm", "simdnorm_group_norm_slice"};
  SetCaseDescription(
      std::string(kEntryNames[entry]) + " " + ctx.Describe() +
      (null_args ? " args=NULL" : "") + " struct_size=" +
      Str(static_cast<int64_t>(args.struct_size)) + " " + fields.Describe() +
      " layout=" + Str(int64_t{layout}) + " activation=" + Str(int64_t{activation}) +
      " N=" + Str(args.batch) + " C=" + Str(args.channels) + " S=" +
      Str(args.spatial) + " groups=" + Str(args.groups) + " eps=" +
      Str(double{args.eps}) + " param_count=" + Str(args.param_count) +
      " batch strides x=" + Str(strides.x) + " y=" + Str(strides.y) +
      (slice ? " units=[" + Str(unit_begin) + "," + Str(unit_end) + ")"
             : std::string()));

  const __int128 elems = N > 0 && C > 0 && S > 0 ? SaturatedProduct(N, C, S) : 0;
  std::vector<View> views(kViews);
  const auto vector = [&](ViewIndex i, const char* name, simdnorm_dtype type,
                          __int128 n, bool input) {
    views[i].name = name;
    views[i].type = type;
    views[i].rows = 1;
    views[i].cols = n > 0 ? n : 0;
    views[i].stride = views[i].cols;
    views[i].is_input = input;
    views[i].is_output = !input;
  };
  vector(kX, "x", used.x_type(), elems, true);
  vector(kY, "y", used.y_type(), elems, false);
  SetBatchGeometry(views[kX], views[kY], args.batch, strides);
  vector(kGamma, "gamma", used.param_type(), C, true);
  vector(kBeta, "beta", used.param_type(), C, true);
  vector(kMean, "mean", SIMDNORM_F32, units, false);
  vector(kRstd, "rstd", SIMDNORM_F32, units, false);

  OpRun run;
  run.views = &views;
  run.types = used.Types();
  const int null_weights[kViews] = {3, 3, 110, 110, 150, 150};
  for (int i = 0; i < kViews; ++i) {
    run.places.push_back(DecodePlacement(in, i, false, null_weights[i]));
    views[i].present = run.places[i].kind != Placement::kNull;
  }
  run.data = DecodeData(in);
  const View &x = views[kX], &y = views[kY], &gamma = views[kGamma],
             &beta = views[kBeta], &mean = views[kMean], &rstd = views[kRstd];

  // ---------------------------------------------------- validity model
  // From the header: the type fields' rules (fuzz_dtypes.h), N >= 0,
  // C >= 1, S >= 1, groups > 0 dividing C (ignored by InstanceNorm), known
  // layout and activation, eps finite and >= 0, param_count 0 or C when
  // gamma/beta are given, batch strides 0 or at least C * S, y == x
  // (unless y is int8, and with equal strides) or disjoint from it,
  // outputs disjoint from each other and the inputs, unit ranges within
  // [0, N * groups].
  Model& m = run.model;
  if (null_args) m.Invalid("args is NULL");
  if (!ArgsSizeValid(args.struct_size, kOldestArgsSize, sizeof(args))) {
    m.Invalid("struct_size");
  }
  DtypeRules(m, used);
  BatchStrideRules(m, args.batch, strides);
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
  if (!instance) {
    if (args.groups <= 0) m.Invalid("groups <= 0");
    else if (C > 0 && C % args.groups != 0) m.Invalid("groups do not divide C");
  }
  if (!(std::isfinite(args.eps) && args.eps >= 0.0f)) m.Invalid("eps");
  if ((gamma.present || beta.present) && args.param_count != 0 &&
      args.param_count != args.channels) {
    m.Invalid("param_count is not C");
  }
  if (slice && !(unit_begin >= 0 && unit_begin <= unit_end && unit_end <= units)) {
    m.Invalid("unit range");
  }
  if (elems > 0) {
    if (!x.present) m.Invalid("x is NULL");
    if (!y.present) m.Invalid("y is NULL");
  }
  Layout placed;
  placed.Place(views, run.places);
  RuleInputOutput(m, x, y, !used.quantized());
  RuleDisjoint(m, gamma, y);
  RuleDisjoint(m, beta, y);
  for (const View* stat : {&mean, &rstd}) {
    for (const View* other : {&x, &y, &gamma, &beta}) RuleDisjoint(m, *stat, *other);
  }
  RuleDisjoint(m, mean, rstd);

  // ---------------------------------------------------------- the call
  simdnorm_context* const context = ctx.Get();
  run.bind = [&](const Arenas& a) {
    args.x = a.Pointer(x);
    args.y = a.Pointer(y);
    args.gamma = a.Pointer(gamma);
    args.beta = a.Pointer(beta);
    args.mean = static_cast<float*>(a.Pointer(mean));
    args.rstd = static_cast<float*>(a.Pointer(rstd));
  };
  run.call = [&]() {
    const simdnorm_group_norm_args* p = null_args ? nullptr : &args;
    switch (entry) {
      case 0: return simdnorm_group_norm(context, p);
      case 1: return simdnorm_instance_norm(context, p);
      default: return simdnorm_group_norm_slice(context, p, unit_begin, unit_end);
    }
  };
  const int64_t first = slice ? unit_begin : 0;
  const int64_t last = slice ? unit_end : static_cast<int64_t>(units);
  const int64_t c64 = args.channels, s64 = args.spatial;
  const int64_t per_group = G > 0 ? static_cast<int64_t>(C / G) : 1;
  const int64_t g64 = static_cast<int64_t>(G > 0 && G <= INT64_MAX ? G : 1);
  run.written = [&](int v, std::vector<uint8_t>& mask) {
    if (v != kY) {  // mean, rstd: one value per unit
      std::fill(mask.begin() + first, mask.begin() + last, 1);
      return;
    }
    for (int64_t unit = first; unit < last; ++unit) {
      const int64_t n = unit / g64, c0 = (unit % g64) * per_group;
      if (layout == SIMDNORM_NHWC) {  // [N, S, C]: a run of channels per s
        for (int64_t s = 0; s < s64; ++s) {
          const auto begin = mask.begin() + (n * s64 + s) * c64 + c0;
          std::fill(begin, begin + per_group, 1);
        }
      } else {  // [N, C, S]: one contiguous block
        const auto begin = mask.begin() + (n * c64 + c0) * s64;
        std::fill(begin, begin + per_group * s64, 1);
      }
    }
  };
  run.reference = [&](std::vector<Elements>& dense) {
    simdnorm_group_norm_args ref = args;
    ref.struct_size = sizeof(ref);
    ref.x_batch_stride = 0;  // dense
    ref.y_batch_stride = 0;
    StoreDtypeFields(used, ref);
    const auto ptr = [&](int v) -> void* {
      return views[v].present ? dense[v].bytes.data() : nullptr;
    };
    ref.x = ptr(kX);
    ref.y = ptr(kY);
    ref.gamma = ptr(kGamma);
    ref.beta = ptr(kBeta);
    ref.mean = static_cast<float*>(ptr(kMean));
    ref.rstd = static_cast<float*>(ptr(kRstd));
    return instance ? simdnorm_instance_norm(ctx.Reference(), &ref)
                    : simdnorm_group_norm(ctx.Reference(), &ref);
  };
  // |y| <= sqrt(unit size) * max|gamma| + max|beta| (activations only
  // shrink values).
  const bool moderate = run.data.Moderate() && !MixedInputTypes(views) &&
                        elems > 0 && args.eps > 0.0f;
  run.check_reference = [&](const std::vector<Elements>& dense) {
    if (!moderate) return;
    const double unit = static_cast<double>(per_group) * static_cast<double>(s64);
    CheckFinite(y, dense[kY],
                std::sqrt(unit) * dense[kGamma].MaxAbs(1.0) + dense[kBeta].MaxAbs(0.0));
    CheckFinite(mean, dense[kMean], 0.0);
    CheckFinite(rstd, dense[kRstd], 0.0);
  };
  RunOpCase(run);
}

}  // namespace
}  // namespace simdnorm_fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  simdnorm_fuzz::FuzzOne(data, size);
  return 0;
}
