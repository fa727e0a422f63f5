// Command line of simdnorm-tune.
#ifndef SIMDNORM_TOOLS_TUNE_OPTIONS_H_
#define SIMDNORM_TOOLS_TUNE_OPTIONS_H_

#include <string>
#include <vector>

namespace simdnorm_tune {

struct TuneOptions {
  std::string shapes_file;          // empty: the benchmark suite
  std::vector<std::string> shapes;  // --shape, in addition to the file
  std::string targets = "best";     // best, all, or "AVX3,AVX2"
  int threads = 0;                  // 0 = all cores
  double budget_seconds = 60.0;
  std::string out = "simdnorm-tuning.json";
  double max_memory_mb = 2048.0;
  bool list_only = false;
  bool quiet = false;
  bool verbose = false;  // every candidate's score on stderr
  bool help = false;
};

// Fills *out; on a bad command line returns false with *error set.
bool ParseTuneOptions(int argc, char** argv, TuneOptions* out,
                      std::string* error);

std::string TuneUsage();

}  // namespace simdnorm_tune

#endif  // SIMDNORM_TOOLS_TUNE_OPTIONS_H_
