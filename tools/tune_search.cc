#include "tune_search.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "tune_timing.h"

namespace simdnorm_tune {
namespace {

using Field = int64_t simdnorm_tile_params::*;

struct NamedField {
  const char* name;
  Field field;
};
constexpr NamedField kFields[] = {
    {"block_elems", &simdnorm_tile_params::block_elems},
    {"chunk_elems", &simdnorm_tile_params::chunk_elems},
    {"task_bytes", &simdnorm_tile_params::task_bytes},
    {"inline_bytes", &simdnorm_tile_params::inline_bytes},
    {"split_elems", &simdnorm_tile_params::split_elems},
    {"spatial_tile", &simdnorm_tile_params::spatial_tile},
    {"stream_bytes", &simdnorm_tile_params::stream_bytes},
};

// Below this, a "noise" estimate from a few comparisons is optimism.
constexpr double kMinNoise = 0.01;
// Smaller gains are not worth an entry: they do not survive a change of
// machine load, and block sizes also change the rounding of the results.
constexpr double kMinGain = 0.03;
// Samples per setting in one search comparison, and in the confirmation.
constexpr int kSearchRounds = 9;
constexpr int kConfirmRounds = 21;
// Default-vs-default comparisons per case that measure the noise.
constexpr int kNoiseRepeats = 3;
constexpr int kMaxRefineSteps = 12;

struct Assignment {
  Field field;
  int64_t value;
};
// A partial assignment, applied on top of the defaults or another set.
using Move = std::vector<Assignment>;

// One direction of the search: its coarse grid, and the field local
// refinement may halve or double afterwards (none for threshold moves,
// whose only effect is which side of a shape they fall).
struct Dimension {
  const char* name;
  std::vector<Move> coarse;
  Field refine = nullptr;
  int64_t refine_min = 0;
  int64_t refine_max = 0;
};

int64_t FloorPow2(int64_t v) {
  int64_t p = 1;
  while (p <= v / 2) p *= 2;
  return p;
}

int64_t CeilPow2(int64_t v) {
  int64_t p = 1;
  while (p < v) p *= 2;
  return p;
}

// The directions that can matter for these shapes with `threads` threads,
// most influential first (so that a short budget spends its time there).
std::vector<Dimension> DimensionsFor(const TuneGroup& g, int threads,
                                     const simdnorm_tile_params& d) {
  int64_t max_unit = 0;
  bool any_parallel = false, any_few_units = false, any_nhwc = false;
  for (const TuneCase& c : g.cases) {
    max_unit = std::max(max_unit, c.UnitElems());
    any_parallel |= c.BytesMoved() >= d.inline_bytes && c.Units() > 1;
    any_few_units |= c.Units() < threads;
    any_nhwc |= c.layout == SIMDNORM_NHWC;
  }
  std::vector<Dimension> dims;
  if (threads > 1) {
    // Move each case to the other side of the inline threshold.
    Dimension inline_dim{"inline_bytes", {}};
    for (const TuneCase& c : g.cases) {
      const int64_t bytes = c.BytesMoved();
      const int64_t flipped = bytes >= d.inline_bytes
                                  ? 2 * CeilPow2(bytes + 1)
                                  : std::max<int64_t>(1, FloorPow2(bytes) / 2);
      inline_dim.coarse.push_back(
          {{&simdnorm_tile_params::inline_bytes,
            std::min<int64_t>(flipped, int64_t{1} << 40)}});
    }
    dims.push_back(inline_dim);
  }
  if (threads > 1 && any_few_units) {
    // Split a unit across threads (small chunks, parallel even if small),
    // or never split it.
    Dimension split{"split_elems", {}};
    for (const TuneCase& c : g.cases) {
      if (c.Units() >= threads) continue;
      const int64_t unit = c.UnitElems();
      if (unit >= d.split_elems) {
        split.coarse.push_back(
            {{&simdnorm_tile_params::split_elems,
              std::min<int64_t>(2 * CeilPow2(unit + 1), int64_t{1} << 40)}});
      } else if (unit >= 2048) {
        const int64_t chunk =
            std::max<int64_t>(1024, FloorPow2(unit / (2 * threads)));
        split.coarse.push_back(
            {{&simdnorm_tile_params::split_elems, FloorPow2(unit)},
             {&simdnorm_tile_params::chunk_elems, chunk},
             {&simdnorm_tile_params::inline_bytes,
              std::min(d.inline_bytes,
                       std::max<int64_t>(1, FloorPow2(c.BytesMoved()) / 2))}});
      }
    }
    if (!split.coarse.empty()) dims.push_back(split);
  }
  {
    // Move each case's output to the other side of the streaming threshold.
    Dimension stream{"stream_bytes", {}};
    for (const TuneCase& c : g.cases) {
      const int64_t out_bytes = c.Elements() * 4;
      const int64_t flipped =
          out_bytes >= d.stream_bytes
              ? 2 * CeilPow2(out_bytes + 1)
              : std::max<int64_t>(4096, FloorPow2(out_bytes));
      // Streaming a small output only costs: try it for sizes past L2.
      if (out_bytes >= d.stream_bytes || out_bytes >= (1 << 20)) {
        stream.coarse.push_back(
            {{&simdnorm_tile_params::stream_bytes, flipped}});
      }
    }
    if (!stream.coarse.empty()) dims.push_back(stream);
  }
  if (threads > 1 && any_parallel) {
    dims.push_back({"task_bytes",
                    {{{&simdnorm_tile_params::task_bytes, 64 << 10}},
                     {{&simdnorm_tile_params::task_bytes, 1 << 20}},
                     {{&simdnorm_tile_params::task_bytes, 4 << 20}}},
                    &simdnorm_tile_params::task_bytes,
                    4096,
                    int64_t{1} << 30});
  }
  if (any_nhwc) {
    dims.push_back({"spatial_tile",
                    {{{&simdnorm_tile_params::spatial_tile, 16}},
                     {{&simdnorm_tile_params::spatial_tile, 256}}},
                    &simdnorm_tile_params::spatial_tile,
                    4,
                    4096});
  }
  if (max_unit > 8192) {
    dims.push_back({"chunk_elems",
                    {{{&simdnorm_tile_params::chunk_elems, 8192}},
                     {{&simdnorm_tile_params::chunk_elems, 131072}}},
                    &simdnorm_tile_params::chunk_elems,
                    1024,
                    int64_t{1} << 24});
  }
  if (max_unit >= 1024) {
    dims.push_back({"block_elems",
                    {{{&simdnorm_tile_params::block_elems, 512}},
                     {{&simdnorm_tile_params::block_elems, 8192}}},
                    &simdnorm_tile_params::block_elems,
                    64,
                    int64_t{1} << 20});
  }
  return dims;
}

simdnorm_tile_params Apply(simdnorm_tile_params p, const Move& move) {
  for (const Assignment& a : move) p.*a.field = a.value;
  return p;
}

std::vector<int64_t> KeyOf(const simdnorm_tile_params& p) {
  std::vector<int64_t> key;
  for (const NamedField& f : kFields) key.push_back(p.*f.field);
  return key;
}

double GeometricMean(const std::vector<double>& values) {
  double log_sum = 0.0;
  for (double v : values) log_sum += std::log(v);
  return values.empty() ? 1.0 : std::exp(log_sum / values.size());
}

std::string Percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f%%", fraction * 100.0);
  return text;
}

// "the noise (4.1%)" or "the minimum gain (3.0%)", whichever decided.
std::string Threshold(double threshold) {
  return (threshold > kMinGain ? "the noise (" : "the minimum gain (") +
         Percent(threshold) + ")";
}

// Speed of a parameter set relative to the default, per case.
struct Score {
  double geomean = 1.0;
  double worst = 1.0;    // the smallest per-case ratio
  bool complete = true;  // false if cut short because clearly slower
};

class GroupSearch {
 public:
  GroupSearch(simdnorm_context* ctx, Workspace* workspace,
              const TuneGroup& group, double deadline, double run_deadline,
              const std::function<void(double)>& progress,
              const std::function<void(const std::string&)>& log)
      : ctx_(ctx),
        workspace_(workspace),
        group_(group),
        start_(Now()),
        deadline_(deadline),
        run_deadline_(run_deadline),
        progress_(progress),
        log_(log) {
    simdnorm_tile_params_init(&defaults_);
  }

  GroupOutcome Run();

 private:
  void Use(const simdnorm_tile_params* params) {
    // Cannot fail: the key and the bounds were checked when building moves.
    simdnorm_context_set_dtype_tile_params(ctx_, group_.op, group_.layout,
                                           group_.dtype,
                                           group_.cases[0].UnitElems(), params);
  }
  // Case i with the defaults (A) and with `params` (B), alternately.
  PairedTimes Compare(size_t i, const simdnorm_tile_params* params,
                      int rounds) {
    const PairedTimes t = ComparePaired(
        clocks_[i], [&](bool use_b) { Use(use_b ? params : nullptr); }, rounds);
    const double span = deadline_ - start_;
    if (progress_ && span > 0) {
      progress_(std::min(0.99, (Now() - start_) / span));
    }
    return t;
  }
  double ComparisonCost(int rounds) const {
    double cost = 0.0;
    for (const CaseClock& clock : clocks_) cost += PairedCost(clock, rounds);
    return cost;
  }
  bool Fits(double seconds, double deadline) const {
    return Now() + seconds <= deadline;
  }
  bool Valid(const Score& s) const {
    return s.complete && s.worst > 1.0 - noise_;
  }
  // `a` beats `b` by more than half the noise (small steps chase noise).
  bool Better(const Score& a, const Score& b) const {
    return Valid(a) && a.geomean > b.geomean * (1.0 + noise_ / 2);
  }
  Score Evaluate(const simdnorm_tile_params& params);
  bool MeasureNoise(GroupOutcome* out);
  void Search(double search_deadline);
  void Confirm(GroupOutcome* out);

  simdnorm_context* ctx_;
  Workspace* workspace_;
  const TuneGroup& group_;
  double start_, deadline_, run_deadline_;
  std::function<void(double)> progress_;
  std::function<void(const std::string&)> log_;
  simdnorm_tile_params defaults_;
  std::vector<CaseClock> clocks_;
  double noise_ = kMinNoise;
  std::map<std::vector<int64_t>, Score> tried_;
  simdnorm_tile_params best_;
  Score best_score_;
};

Score GroupSearch::Evaluate(const simdnorm_tile_params& params) {
  const auto known = tried_.find(KeyOf(params));
  if (known != tried_.end()) return known->second;
  std::vector<double> ratios;
  Score s;
  for (size_t i = 0; i < clocks_.size(); ++i) {
    const PairedTimes t = Compare(i, &params, kSearchRounds);
    ratios.push_back(t.a / t.b);
    // Clearly slower on one case: not worth timing the others.
    if (ratios.back() < 1.0 - std::max(0.15, 3 * noise_)) {
      s.complete = false;
      break;
    }
  }
  s.geomean = GeometricMean(ratios);
  s.worst = *std::min_element(ratios.begin(), ratios.end());
  tried_[KeyOf(params)] = s;
  if (log_) {
    char text[96];
    std::snprintf(text, sizeof(text),
                  "  %.3fx (worst case %.3fx%s): ", s.geomean, s.worst,
                  s.complete ? "" : ", cut short");
    log_(text + DescribeChanges(params));
  }
  return s;
}

// The defaults against themselves: how far apart two measurements of the
// same thing land, with the procedure that compares candidates.
bool GroupSearch::MeasureNoise(GroupOutcome* out) {
  const double cost = ComparisonCost(kSearchRounds);
  double noise = 0.0;
  std::vector<std::vector<double>> times(clocks_.size());
  int repeats = 0;
  for (; repeats < kNoiseRepeats; ++repeats) {
    // At least one measurement, so that the table shows the default time.
    if (repeats > 0 && !Fits(cost, deadline_)) break;
    for (size_t i = 0; i < clocks_.size(); ++i) {
      const PairedTimes t = Compare(i, nullptr, kSearchRounds);
      noise = std::max(noise, std::fabs(t.a / t.b - 1.0));
      times[i].push_back(t.a);
      times[i].push_back(t.b);
    }
  }
  for (size_t i = 0; i < clocks_.size(); ++i) {
    out->cases[i].default_seconds = out->cases[i].tuned_seconds =
        MedianOf(times[i]);
  }
  noise_ = std::max(kMinNoise, noise);
  out->noise = noise_;
  if (log_) log_("  noise " + Percent(noise_));
  if (repeats < kNoiseRepeats) {
    out->note = "budget too small to tune this case";
    return false;
  }
  return true;
}
void GroupSearch::Search(double search_deadline) {
  best_ = defaults_;
  best_score_ = Score();
  tried_[KeyOf(defaults_)] = best_score_;
  const std::vector<Dimension> dims =
      DimensionsFor(group_, simdnorm_context_threads(ctx_), defaults_);
  const double cost = ComparisonCost(kSearchRounds);

  // Coarse grid: each direction on its own, from the defaults.
  std::vector<Move> winning_moves;
  for (const Dimension& dim : dims) {
    const Move* dim_best = nullptr;
    Score dim_score;
    for (const Move& move : dim.coarse) {
      if (!Fits(cost, search_deadline)) return;
      const Score s = Evaluate(Apply(defaults_, move));
      if (Better(s, dim_score)) {
        dim_best = &move;
        dim_score = s;
      }
      if (Better(s, best_score_)) {
        best_ = Apply(defaults_, move);
        best_score_ = s;
      }
    }
    if (dim_best != nullptr) winning_moves.push_back(*dim_best);
  }
  // Directions that each helped may help together.
  if (winning_moves.size() > 1 && Fits(cost, search_deadline)) {
    simdnorm_tile_params combined = defaults_;
    for (const Move& move : winning_moves) combined = Apply(combined, move);
    const Score s = Evaluate(combined);
    if (Better(s, best_score_)) {
      best_ = combined;
      best_score_ = s;
    }
  }
  // Local refinement: halve or double one field of the best at a time.
  for (int step = 0; step < kMaxRefineSteps; ++step) {
    bool improved = false;
    for (const Dimension& dim : dims) {
      if (dim.refine == nullptr || improved) continue;
      const int64_t value = best_.*dim.refine;
      for (const int64_t next : {value * 2, value / 2}) {
        if (next < dim.refine_min || next > dim.refine_max) continue;
        simdnorm_tile_params candidate = best_;
        candidate.*dim.refine = next;
        if (tried_.count(KeyOf(candidate))) continue;
        if (!Fits(cost, search_deadline)) return;
        const Score s = Evaluate(candidate);
        if (Better(s, best_score_)) {
          best_ = candidate;
          best_score_ = s;
          improved = true;
          break;
        }
      }
    }
    if (!improved) break;
  }
}

void GroupSearch::Confirm(GroupOutcome* out) {
  out->candidates = static_cast<int>(tried_.size()) - 1;
  out->best_candidate = best_score_.geomean;
  const double threshold = std::max(noise_, kMinGain);
  if (KeyOf(best_) == KeyOf(defaults_) ||
      best_score_.geomean <= 1.0 + threshold) {
    out->note =
        "no candidate beat the defaults by more than " + Threshold(threshold);
    return;
  }
  // A found candidate is worth a little of the later groups' time.
  if (!Fits(ComparisonCost(kConfirmRounds), run_deadline_)) {
    out->note = "budget ran out before the best candidate was confirmed";
    return;
  }
  // A fresh, longer comparison: the search's best score is biased upwards
  // (the best of many noisy measurements).
  std::vector<double> speedups;
  for (size_t i = 0; i < clocks_.size(); ++i) {
    const PairedTimes t = Compare(i, &best_, kConfirmRounds);
    speedups.push_back(t.a / t.b);
    out->cases[i].default_seconds = t.a;
    out->cases[i].tuned_seconds = t.b;
  }
  const double speedup = GeometricMean(speedups);
  const double worst = *std::min_element(speedups.begin(), speedups.end());
  if (log_) {
    char text[96];
    std::snprintf(text, sizeof(text),
                  "  confirmation: %.3fx (worst case %.3fx): ", speedup, worst);
    log_(text + DescribeChanges(best_));
  }
  if (speedup > 1.0 + threshold && worst > 1.0 - noise_) {
    out->kept = true;
    out->speedup = speedup;
    out->params = best_;
    out->params.speedup = speedup;
    Use(&out->params);
    return;
  }
  for (CaseOutcome& c : out->cases) c.tuned_seconds = c.default_seconds;
  char text[200];
  std::snprintf(text, sizeof(text),
                "best candidate (%s) measured %.3fx when confirmed: not "
                "above %s",
                DescribeChanges(best_).c_str(), speedup,
                Threshold(threshold).c_str());
  out->note = text;
}

GroupOutcome GroupSearch::Run() {
  GroupOutcome out;
  out.group = group_;
  out.params = defaults_;
  for (const TuneCase& c : group_.cases) {
    out.cases.push_back(CaseOutcome{c, 0.0, 0.0});
  }
  Use(nullptr);
  for (const TuneCase& c : group_.cases) {
    clocks_.emplace_back(workspace_, ctx_, c);
  }
  for (CaseClock& clock : clocks_) {
    if (clock.Calibrate() != SIMDNORM_OK) {
      out.note = std::string("op failed: ") + simdnorm_last_error();
      return out;
    }
  }
  if (!Fits(ComparisonCost(kSearchRounds), deadline_)) {
    for (size_t i = 0; i < clocks_.size(); ++i) {
      out.cases[i].default_seconds = out.cases[i].tuned_seconds =
          clocks_[i].CallSeconds();
    }
    out.note = "budget used up before this case";
    return out;
  }
  if (!MeasureNoise(&out)) return out;
  // Keep time for the confirmation that follows a successful search.
  Search(deadline_ - ComparisonCost(kConfirmRounds));
  Confirm(&out);
  return out;
}

std::string HumanCount(int64_t v) {
  if (v >= (1 << 20) && v % (1 << 20) == 0)
    return std::to_string(v >> 20) + "M";
  if (v >= (1 << 10) && v % (1 << 10) == 0)
    return std::to_string(v >> 10) + "K";
  return std::to_string(v);
}

}  // namespace

std::vector<TuneGroup> GroupCases(const std::vector<TuneCase>& cases,
                                  const std::string& target) {
  std::vector<TuneGroup> groups;
  for (const TuneCase& c : cases) {
    const int bucket = [&] {
      int bits = 0;  // the library's ShapeBucket: 4x steps of unit size
      for (uint64_t v = static_cast<uint64_t>(c.UnitElems()); v > 1; v >>= 1) {
        ++bits;
      }
      return bits / 2;
    }();
    auto it =
        std::find_if(groups.begin(), groups.end(), [&](const TuneGroup& g) {
          return g.op == c.op && g.layout == c.layout && g.dtype == c.dtype &&
                 g.bucket == bucket;
        });
    if (it == groups.end()) {
      groups.push_back(
          TuneGroup{target, c.op, c.layout, c.dtype, bucket, {}, 0.0});
      it = groups.end() - 1;
    }
    it->cases.push_back(c);
  }
  return groups;
}

GroupOutcome TuneGroupOnContext(
    simdnorm_context* ctx, Workspace* workspace, const TuneGroup& group,
    double deadline, double run_deadline,
    const std::function<void(double)>& progress,
    const std::function<void(const std::string&)>& log) {
  return GroupSearch(ctx, workspace, group, deadline, run_deadline, progress,
                     log)
      .Run();
}

std::string DescribeChanges(const simdnorm_tile_params& params) {
  simdnorm_tile_params defaults;
  simdnorm_tile_params_init(&defaults);
  std::string text;
  for (const NamedField& f : kFields) {
    if (params.*f.field == defaults.*f.field) continue;
    if (!text.empty()) text += ' ';
    text += std::string(f.name) + "=" + HumanCount(params.*f.field);
  }
  return text.empty() ? "defaults" : text;
}

}  // namespace simdnorm_tune
