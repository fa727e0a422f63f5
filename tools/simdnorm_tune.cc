// simdnorm-tune: measures the tile parameters that make simdnorm's ops
// fastest on this machine and writes them as a JSON tuning file.
// Everything goes through the public C API: the tuner tries candidates with
// simdnorm_context_set_dtype_tile_params and saves the table the library
// will load.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "simdnorm/simdnorm.h"
#include "tune_cases.h"
#include "tune_options.h"
#include "tune_progress.h"
#include "tune_report.h"
#include "tune_search.h"
#include "tune_timing.h"
#include "tune_workspace.h"

namespace simdnorm_tune {
namespace {

struct ContextDeleter {
  void operator()(simdnorm_context* ctx) const {
    simdnorm_context_destroy(ctx);
  }
};
using ContextPtr = std::unique_ptr<simdnorm_context, ContextDeleter>;

ContextPtr NewContext() {
  simdnorm_context* ctx = nullptr;
  if (simdnorm_context_create(&ctx) != SIMDNORM_OK) return nullptr;
  return ContextPtr(ctx);
}

std::vector<std::string> SplitCommas(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Half of MemAvailable, in bytes; 0 if unknown.
double HalfOfAvailableMemory() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  double kib = 0.0;
  std::string unit;
  while (in >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024.0 / 2;
  }
  return 0.0;
}

// Whether `path` can be written: not a directory, in a directory where a
// file can be created (tried with a scratch file next to it).
bool CheckWritable(const std::string& path, std::string* error) {
  struct stat info;
  if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
    *error = "is a directory";
    return false;
  }
  const std::string probe = path + ".probe." + std::to_string(::getpid());
  std::FILE* f = std::fopen(probe.c_str(), "wb");
  if (f == nullptr) {
    *error = std::string("cannot write: ") + std::strerror(errno);
    return false;
  }
  std::fclose(f);
  std::remove(probe.c_str());
  return true;
}

bool LoadCases(const TuneOptions& options, std::vector<TuneCase>* cases,
               std::string* error) {
  if (!options.shapes_file.empty() &&
      !ReadCaseFile(options.shapes_file, cases, error)) {
    return false;
  }
  for (const std::string& spec : options.shapes) {
    TuneCase c;
    std::string why;
    if (!ParseCase(spec, &c, &why)) {
      *error = "--shape \"" + spec + "\": " + why;
      return false;
    }
    cases->push_back(c);
  }
  if (options.shapes_file.empty() && options.shapes.empty()) {
    *cases = DefaultCases();
  }
  return true;
}

bool ResolveTargets(const std::string& which, simdnorm_context* ctx,
                    std::vector<std::string>* targets, std::string* error) {
  if (which == "best") {
    *targets = {simdnorm_best_target()};
  } else if (which == "all") {
    *targets = SplitCommas(simdnorm_supported_targets());
  } else {
    *targets = SplitCommas(which);
  }
  for (const std::string& t : *targets) {
    if (simdnorm_context_set_target(ctx, t.c_str()) != SIMDNORM_OK) {
      *error = std::string("--targets: ") + simdnorm_last_error();
      return false;
    }
  }
  return !targets->empty();
}

// Relative time measuring c takes, from one call: only weighs the budget
// shares of groups against each other.
double EstimateMeasurementCost(simdnorm_context* ctx, Workspace* workspace,
                               const TuneCase& c) {
  const double start = Now();
  workspace->Run(ctx, c);
  return std::max(Now() - start, CaseClock::kMinSampleSeconds);
}

std::string GroupLabel(const TuneGroup& g) {
  const bool row_norm =
      g.op == SIMDNORM_OP_LAYER_NORM || g.op == SIMDNORM_OP_RMS_NORM;
  return std::string(OpName(g.op)) +
         (row_norm                    ? ""
          : g.layout == SIMDNORM_NHWC ? " nhwc"
                                      : " nchw") +
         (g.dtype == SIMDNORM_F32 ? "" : std::string(" ") + DtypeName(g.dtype)) +
         " bucket " + std::to_string(g.bucket) + " " + g.target;
}

std::string GroupSummary(const GroupOutcome& g) {
  char text[96];
  if (g.kept) {
    std::snprintf(text, sizeof(text), "%.3fx with ", g.speedup);
    return text + DescribeChanges(g.params);
  }
  return "defaults kept (" + g.note + ")";
}

// Drops the cases over the memory cap and those the library cannot run
// (yet), sizes the buffers, and groups the rest by tuning-table entry for
// each target, with an estimate of their measuring cost.
bool PlanGroups(const TuneOptions& options, const std::vector<TuneCase>& cases,
                const std::vector<std::string>& targets, simdnorm_context* ctx,
                Workspace* workspace, std::vector<TuneGroup>* groups,
                std::vector<SkippedCase>* skipped) {
  double memory_cap = options.max_memory_mb * 1024 * 1024;
  if (const double half = HalfOfAvailableMemory(); half > 0) {
    memory_cap = std::min(memory_cap, half);
  }
  std::vector<TuneCase> fitting;
  for (const TuneCase& c : cases) {
    const int64_t bytes = Workspace::BytesNeeded(c);
    if (static_cast<double>(bytes) > memory_cap) {
      skipped->push_back({c.Label(), "needs " + std::to_string(bytes >> 20) +
                                         " MiB, over the memory cap "
                                         "(--max-memory)"});
    } else {
      fitting.push_back(c);
    }
  }
  // One pair of buffers, sized for the largest shape that fits.
  if (!workspace->Reserve(fitting)) return false;

  simdnorm_context_set_target(ctx, targets[0].c_str());
  std::vector<TuneCase> runnable;
  std::map<std::string, double> cost_by_label;
  for (const TuneCase& c : fitting) {
    if (workspace->Run(ctx, c) != SIMDNORM_OK) {
      skipped->push_back({c.Label(), simdnorm_last_error()});
      continue;
    }
    runnable.push_back(c);
    cost_by_label[c.Label()] = EstimateMeasurementCost(ctx, workspace, c);
  }
  for (const std::string& target : targets) {
    for (TuneGroup& g : GroupCases(runnable, target)) {
      for (const TuneCase& c : g.cases) {
        g.estimated_cost += cost_by_label[c.Label()];
      }
      groups->push_back(g);
    }
  }
  return true;
}

// Tunes each group in turn. Each gets a share of the time left, half equal
// and half in proportion to how long its shapes take to measure; time a
// group does not use goes to the next ones.
std::vector<GroupOutcome> TuneGroups(const std::vector<TuneGroup>& groups,
                                     double deadline, bool verbose,
                                     simdnorm_context* ctx,
                                     Workspace* workspace, Progress* progress) {
  double mean_cost = 0.0;
  for (const TuneGroup& g : groups) mean_cost += g.estimated_cost;
  mean_cost /= std::max<size_t>(groups.size(), 1);
  std::vector<GroupOutcome> outcomes;
  for (size_t i = 0; i < groups.size(); ++i) {
    double weight_left = 0.0;
    for (size_t j = i; j < groups.size(); ++j) {
      weight_left += groups[j].estimated_cost + mean_cost;
    }
    const double share =
        (groups[i].estimated_cost + mean_cost) / std::max(weight_left, 1e-9);
    const double group_deadline =
        Now() + std::max(0.0, deadline - Now()) * share;
    simdnorm_context_set_target(ctx, groups[i].target.c_str());
    const int index = static_cast<int>(i);
    const std::string label = GroupLabel(groups[i]);
    progress->Update(index, 0.0, label);
    std::function<void(const std::string&)> log;
    if (verbose) {
      progress->Note(label + ":");
      log = [&](const std::string& line) { progress->Note(line); };
    }
    outcomes.push_back(TuneGroupOnContext(
        ctx, workspace, groups[i], group_deadline, deadline,
        [&](double fraction) { progress->Update(index, fraction, label); },
        log));
    progress->GroupDone(index, label, GroupSummary(outcomes.back()));
  }
  progress->Finish();
  return outcomes;
}

int Main(int argc, char** argv) {
  const double start = Now();
  TuneOptions options;
  std::string error;
  if (!ParseTuneOptions(argc, argv, &options, &error)) {
    std::fprintf(stderr, "simdnorm-tune: %s\n", error.c_str());
    return 2;
  }
  if (options.help) {
    std::fputs(TuneUsage().c_str(), stdout);
    return 0;
  }
  const double deadline = start + options.budget_seconds;

  std::vector<TuneCase> cases;
  if (!LoadCases(options, &cases, &error)) {
    std::fprintf(stderr, "simdnorm-tune: %s\n", error.c_str());
    return 2;
  }
  if (options.list_only) {
    for (const TuneCase& c : cases) {
      std::printf("%s  (%s)\n", c.Label().c_str(), c.Shape().c_str());
    }
    return 0;
  }
  // The file is written at the end: find out now whether it can be.
  if (!CheckWritable(options.out, &error)) {
    std::fprintf(stderr, "simdnorm-tune: --out %s: %s\n", options.out.c_str(),
                 error.c_str());
    return 2;
  }
  ContextPtr ctx = NewContext();
  if (!ctx ||
      simdnorm_context_set_threads(ctx.get(), options.threads) != SIMDNORM_OK) {
    std::fprintf(stderr, "simdnorm-tune: %s\n", simdnorm_last_error());
    return 1;
  }
  std::vector<std::string> targets;
  if (!ResolveTargets(options.targets, ctx.get(), &targets, &error)) {
    std::fprintf(stderr, "simdnorm-tune: %s\n", error.c_str());
    return 2;
  }

  Workspace workspace;
  std::vector<SkippedCase> skipped;
  std::vector<TuneGroup> groups;
  if (!PlanGroups(options, cases, targets, ctx.get(), &workspace, &groups,
                  &skipped)) {
    std::fprintf(stderr, "simdnorm-tune: out of memory for the buffers\n");
    return 1;
  }
  Progress progress(options.quiet, static_cast<int>(groups.size()), start,
                    deadline);
  for (const SkippedCase& s : skipped) {
    progress.Note("skipped " + s.label + ": " + s.reason);
  }
  const std::vector<GroupOutcome> outcomes = TuneGroups(
      groups, deadline, options.verbose, ctx.get(), &workspace, &progress);

  // The file, then proof that the library accepts it.
  if (simdnorm_context_save_tuning(ctx.get(), options.out.c_str()) !=
      SIMDNORM_OK) {
    std::fprintf(stderr, "simdnorm-tune: %s\n", simdnorm_last_error());
    return 1;
  }
  ContextPtr check = NewContext();
  if (!check || simdnorm_context_load_tuning(
                    check.get(), options.out.c_str()) != SIMDNORM_OK) {
    std::fprintf(stderr, "simdnorm-tune: the file written does not load: %s\n",
                 simdnorm_last_error());
    return 1;
  }
  int kept = 0;
  for (const GroupOutcome& g : outcomes) kept += g.kept ? 1 : 0;
  std::printf(
      "simdnorm-tune: simdnorm %s, targets %s, %d threads, budget %gs, "
      "used %.1fs\n",
      simdnorm_version(),
      options.targets == "best" ? targets[0].c_str() : options.targets.c_str(),
      simdnorm_context_threads(ctx.get()), options.budget_seconds,
      Now() - start);
  std::printf("wrote %s: %d tuned %s out of %zu\n\n", options.out.c_str(), kept,
              kept == 1 ? "entry" : "entries", outcomes.size());
  PrintReport(stdout, outcomes, skipped);
  const std::string warnings = simdnorm_context_tuning_warnings(check.get());
  if (!warnings.empty()) {
    std::printf("\nwarnings when loading it here:\n%s\n", warnings.c_str());
  }
  return 0;
}

}  // namespace
}  // namespace simdnorm_tune

int main(int argc, char** argv) { return simdnorm_tune::Main(argc, argv); }
