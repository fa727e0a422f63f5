// simdnorm_layer_norm, simdnorm_rms_norm and their _slice variants with
// decoded shapes, strides, eps, storage and output types, enum values,
// optional pointers (residual_bias too), aliasing and slice ranges. The
// harness decides from the header's contract alone whether the call is
// valid, then checks the library agrees (see fuzz_common.h for what is
// checked either way).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "fuzz_common.h"
#include "fuzz_dtypes.h"

namespace simdnorm_fuzz {
namespace {

// struct_size of the args in 0.1.0: where the first appended field starts.
constexpr size_t kOldestArgsSize = offsetof(simdnorm_row_norm_args, residual_bias);

enum ViewIndex {
  kX, kY, kGamma, kBeta, kResidual, kSum, kMean, kRstd, kBias, kViews
};

struct SliceRange {
  int64_t begin = 0;
  int64_t end = 0;
};

SliceRange DecodeSlice(ByteReader& in, int64_t rows) {
  SliceRange s;
  const uint8_t tag = in.Byte();
  const int64_t r = rows < 0 ? 0 : rows;
  if (tag < 224) {
    const uint64_t span = static_cast<uint64_t>(r) + 1;
    s.begin = static_cast<int64_t>(in.U32() % span);
    s.end = s.begin + static_cast<int64_t>(in.U32() % (span - static_cast<uint64_t>(s.begin)));
    return s;
  }
  const int64_t after = r == INT64_MAX ? r : r + 1;
  switch (tag % 7) {
    case 0: s = {-1, 0}; break;
    case 1: s = {0, after}; break;
    case 2: s = {1, 0}; break;
    case 3: s = {INT64_MIN, INT64_MAX}; break;
    case 4: s = {r, r}; break;
    case 5: s = {0, INT64_MAX}; break;
    default: s = {after, after}; break;
  }
  return s;
}

void FuzzOne(const uint8_t* data, size_t size) {
  ByteReader in(data, size);
  const int entry = in.Byte() % 4;
  const bool rms = entry % 2 == 1;
  const bool slice = entry >= 2;
  const ContextChoice ctx = DecodeContext(in);
  const bool null_args = in.Byte() == 255;

  simdnorm_row_norm_args args;
  simdnorm_row_norm_args_init(&args);
  args.struct_size = DecodeArgsSize(in, sizeof(args), kOldestArgsSize);
  const DtypeFields fields = DecodeDtypeFields(in);
  const DtypeFields used = StoreDtypeFields(fields, args);
  args.rows = DecodeCount(in, 8, 4096);
  args.cols = DecodeCount(in, 70, 70000);
  args.x_stride = DecodeStride(in, args.cols);
  args.y_stride = DecodeStride(in, args.cols);
  args.residual_stride = DecodeStride(in, args.cols);
  args.sum_stride = DecodeStride(in, args.cols);
  args.eps = DecodeEps(in, 1e-5f);
  const SliceRange range = slice ? DecodeSlice(in, args.rows) : SliceRange{};

  static const char* const kEntryNames[] = {
      "simdnorm_layer_norm", "simdnorm_rms_norm", "simdnorm_layer_norm_slice",
      "simdnorm_rms_norm_slice"};
  SetCaseDescription(
      std::string(kEntryNames[entry]) + " " + ctx.Describe() +
      (null_args ? " args=NULL" : "") + " struct_size=" +
      Str(static_cast<int64_t>(args.struct_size)) + " " + fields.Describe() +
      " rows=" + Str(args.rows) + " cols=" +
      Str(args.cols) + " strides x=" + Str(args.x_stride) + " y=" +
      Str(args.y_stride) + " residual=" + Str(args.residual_stride) +
      " sum=" + Str(args.sum_stride) + " eps=" + Str(double{args.eps}) +
      (slice ? " range=[" + Str(range.begin) + "," + Str(range.end) + ")"
             : std::string()));

  // Geometry of every pointer argument.
  const __int128 rows = args.rows, cols = args.cols;
  const auto resolved = [&](int64_t stride) -> __int128 {
    return stride == 0 ? cols : __int128{stride};
  };
  std::vector<View> views(kViews);
  const auto matrix = [&](ViewIndex i, const char* name, simdnorm_dtype type,
                          __int128 stride, bool input) {
    views[i].name = name;
    views[i].type = type;
    SetMatrix(views[i], rows, cols, stride);
    views[i].is_input = input;
    views[i].is_output = !input;
  };
  const auto vector = [&](ViewIndex i, const char* name, simdnorm_dtype type,
                          __int128 n, bool input) {
    views[i].name = name;
    views[i].type = type;
    views[i].rows = 1;
    views[i].cols = n;
    views[i].stride = n;
    views[i].is_input = input;
    views[i].is_output = !input;
  };
  const __int128 sx = resolved(args.x_stride), sy = resolved(args.y_stride),
                 sr = resolved(args.residual_stride),
                 ss = resolved(args.sum_stride);
  const simdnorm_dtype xt = used.x_type(), pt = used.param_type();
  matrix(kX, "x", xt, sx, true);
  matrix(kY, "y", used.y_type(), sy, false);
  vector(kGamma, "gamma", pt, cols, true);
  vector(kBeta, "beta", pt, cols, true);
  matrix(kResidual, "residual", xt, sr, true);
  matrix(kSum, "sum_out", xt, ss, false);
  vector(kMean, "mean", SIMDNORM_F32, rows, false);
  vector(kRstd, "rstd", SIMDNORM_F32, rows, false);
  // residual_bias, appended after 0.1.0: an older struct_size leaves the
  // pointer unread (it must not be touched then).
  const Reach bias_reach = FieldReach(args, args.residual_bias);
  vector(kBias, "residual_bias", pt, cols, bias_reach == Reach::kRead);
  views[kBias].is_output = false;

  OpRun run;
  run.views = &views;
  run.types = used.Types();
  const int null_weights[kViews] = {3, 3, 96, rms ? 236 : 96, 150, 180,
                                    rms ? 240 : 150, 150, 160};
  for (int i = 0; i < kViews; ++i) {
    run.places.push_back(DecodePlacement(in, i, false, null_weights[i]));
  }
  run.data = DecodeData(in);
  // Presence is known from the placements (Layout::Place sets it again).
  for (int i = 0; i < kViews; ++i) {
    views[i].present = run.places[i].kind != Placement::kNull;
  }
  const View &x = views[kX], &y = views[kY], &gamma = views[kGamma],
             &beta = views[kBeta], &residual = views[kResidual],
             &sum = views[kSum], &mean = views[kMean], &rstd = views[kRstd],
             &bias = views[kBias];
  const bool bias_used = bias.present && bias.is_input;

  // ---------------------------------------------------- validity model
  // From the header: the type fields' rules (fuzz_dtypes.h); sizes rows
  // >= 0, cols > 0; strides 0 (= cols) or >= cols; eps finite and >= 0;
  // RMSNorm takes no beta and no mean; sum_out needs a residual or
  // residual_bias; y may equal x or residual exactly (in place) unless y
  // is int8, sum_out may equal them, any other overlap between an input
  // and an output is an error, outputs are disjoint from each other and
  // from gamma/beta/residual_bias; slices lie in [0, rows].
  Model& m = run.model;
  if (null_args) m.Invalid("args is NULL");
  if (!ArgsSizeValid(args.struct_size, kOldestArgsSize, sizeof(args))) {
    m.Invalid("struct_size");
  }
  DtypeRules(m, used);
  if (args.rows < 0) m.Invalid("rows < 0");
  if (args.cols <= 0) m.Invalid("cols <= 0");
  StrideRules(m, "x_stride", rows, cols, sx, true);
  StrideRules(m, "y_stride", rows, cols, sy, true);
  StrideRules(m, "residual_stride", rows, cols, sr, residual.present);
  StrideRules(m, "sum_stride", rows, cols, ss, sum.present);
  if (cols > 0 && !FitsTensor(cols)) m.Invalid("cols too large");
  if (!(std::isfinite(args.eps) && args.eps >= 0.0f)) m.Invalid("eps");
  if (rms && beta.present) m.Invalid("RMSNorm with beta");
  if (rms && mean.present) m.Invalid("RMSNorm with mean");
  if (sum.present && !residual.present && !bias_used) {
    m.Invalid("sum_out without residual or residual_bias");
  }
  if (slice && !(range.begin >= 0 && range.begin <= range.end &&
                 range.end <= args.rows)) {
    m.Invalid("slice range");
  }
  if (args.rows > 0 && args.cols > 0) {  // else nothing is read or written
    if (!x.present) m.Invalid("x is NULL");
    if (!y.present) m.Invalid("y is NULL");
  }
  // Overlaps (rules need placed views: checked in the Layout below).
  Layout layout;
  layout.Place(views, run.places);
  RuleInputOutput(m, x, y, !used.quantized());
  RuleInputOutput(m, residual, y, !used.quantized());
  RuleInputOutput(m, x, sum, true);
  RuleInputOutput(m, residual, sum, true);
  RuleDisjoint(m, y, sum);
  std::vector<const View*> params = {&gamma, &beta};
  if (bias_used) params.push_back(&bias);
  for (const View* param : params) {
    RuleDisjoint(m, *param, y);
    RuleDisjoint(m, *param, sum);
  }
  for (const View* stat : {&mean, &rstd}) {
    for (const View* other : {&x, &y, &residual, &sum}) {
      RuleDisjoint(m, *stat, *other);
    }
    for (const View* param : params) RuleDisjoint(m, *stat, *param);
  }
  RuleDisjoint(m, mean, rstd);

  // ---------------------------------------------------------- the call
  simdnorm_context* const context = ctx.Get();
  run.bind = [&](const Arenas& a) {
    args.x = a.Pointer(x);
    args.y = a.Pointer(y);
    args.gamma = a.Pointer(gamma);
    args.beta = a.Pointer(beta);
    args.residual = a.Pointer(residual);
    args.sum_out = a.Pointer(sum);
    args.mean = static_cast<float*>(a.Pointer(mean));
    args.rstd = static_cast<float*>(a.Pointer(rstd));
    // A struct_size ending inside its 8 bytes is no version's: NULL
    // means the same either way.
    args.residual_bias = bias_reach == Reach::kPartial ? nullptr : a.Pointer(bias);
  };
  run.call = [&]() {
    const simdnorm_row_norm_args* p = null_args ? nullptr : &args;
    switch (entry) {
      case 0: return simdnorm_layer_norm(context, p);
      case 1: return simdnorm_rms_norm(context, p);
      case 2: return simdnorm_layer_norm_slice(context, p, range.begin, range.end);
      default: return simdnorm_rms_norm_slice(context, p, range.begin, range.end);
    }
  };
  const int64_t first = slice ? range.begin : 0;
  const int64_t last = slice ? range.end : args.rows;
  run.written = [&](int v, std::vector<uint8_t>& mask) {
    const int64_t per_row = (v == kY || v == kSum) ? args.cols : 1;
    std::fill(mask.begin() + first * per_row, mask.begin() + last * per_row, 1);
  };
  run.reference = [&](std::vector<Elements>& dense) {
    simdnorm_row_norm_args ref;
    simdnorm_row_norm_args_init(&ref);
    ref.rows = args.rows;
    ref.cols = args.cols;
    ref.eps = args.eps;
    StoreDtypeFields(used, ref);
    const auto ptr = [&](int v) -> void* {
      return views[v].present ? dense[v].bytes.data() : nullptr;
    };
    ref.x = ptr(kX);
    ref.y = ptr(kY);
    ref.gamma = ptr(kGamma);
    ref.beta = ptr(kBeta);
    ref.residual = ptr(kResidual);
    ref.sum_out = ptr(kSum);
    ref.mean = static_cast<float*>(ptr(kMean));
    ref.rstd = static_cast<float*>(ptr(kRstd));
    ref.residual_bias = bias_used ? ptr(kBias) : nullptr;
    return rms ? simdnorm_rms_norm(ctx.Reference(), &ref)
               : simdnorm_layer_norm(ctx.Reference(), &ref);
  };
  // Finite inputs of moderate size (and eps > 0) give finite outputs:
  // |y| <= sqrt(cols) * max|gamma| + max|beta| (a normalized value is at
  // most sqrt(cols)), |sum_out| <= the sum of its inputs' largest.
  const bool moderate = run.data.Moderate() && !MixedInputTypes(views) &&
                        args.rows > 0 && args.eps > 0.0f;
  run.check_reference = [&](const std::vector<Elements>& dense) {
    if (!moderate) return;
    const double bias_max = bias_used ? dense[kBias].MaxAbs(0.0) : 0.0;
    CheckFinite(y, dense[kY],
                std::sqrt(static_cast<double>(args.cols)) * dense[kGamma].MaxAbs(1.0) +
                    dense[kBeta].MaxAbs(0.0));
    CheckFinite(sum, dense[kSum],
                dense[kX].MaxAbs(0.0) + dense[kResidual].MaxAbs(0.0) + bias_max);
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
