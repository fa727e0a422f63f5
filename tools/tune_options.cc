#include "tune_options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "simdnorm/simdnorm.h"
#include "tune_cases.h"

namespace simdnorm_tune {
namespace {

bool ParseNumber(const std::string& text, double min, double max, double* out) {
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || errno != 0 || *end != '\0' || !std::isfinite(v) ||
      v < min || v > max) {
    return false;
  }
  *out = v;
  return true;
}

}  // namespace

bool ParseTuneOptions(int argc, char** argv, TuneOptions* out,
                      std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_value = false;
    // --name=value as well as --name value.
    const size_t eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
      has_value = true;
    }
    const auto take_value = [&](std::string* v) {
      if (has_value) {
        *v = value;
        return true;
      }
      if (i + 1 >= argc) {
        *error = arg + " needs a value";
        return false;
      }
      *v = argv[++i];
      return true;
    };
    double number = 0.0;
    std::string v;
    if (arg == "--help" || arg == "-h") {
      out->help = true;
    } else if (arg == "--quiet" || arg == "-q") {
      out->quiet = true;
    } else if (arg == "--verbose" || arg == "-v") {
      out->verbose = true;
    } else if (arg == "--list") {
      out->list_only = true;
    } else if (arg == "--shapes") {
      if (!take_value(&out->shapes_file)) return false;
    } else if (arg == "--shape") {
      if (!take_value(&v)) return false;
      out->shapes.push_back(v);
    } else if (arg == "--targets") {
      if (!take_value(&out->targets)) return false;
      if (out->targets.empty()) {
        *error = "--targets: give best, all or a list like AVX3,AVX2";
        return false;
      }
    } else if (arg == "--threads") {
      if (!take_value(&v)) return false;
      if (!ParseNumber(v, 0, SIMDNORM_MAX_THREADS, &number) ||
          number != std::floor(number)) {
        *error = "--threads: expected an integer in [0, " +
                 std::to_string(SIMDNORM_MAX_THREADS) + "], got \"" + v + "\"";
        return false;
      }
      out->threads = static_cast<int>(number);
    } else if (arg == "--budget") {
      if (!take_value(&v)) return false;
      if (!ParseNumber(v, 0.1, 7 * 24 * 3600.0, &out->budget_seconds)) {
        *error = "--budget: expected seconds (0.1 or more), got \"" + v + "\"";
        return false;
      }
    } else if (arg == "--out" || arg == "-o") {
      if (!take_value(&out->out)) return false;
      if (out->out.empty()) {
        *error = "--out: empty file name";
        return false;
      }
    } else if (arg == "--max-memory") {
      if (!take_value(&v)) return false;
      if (!ParseNumber(v, 1, 1e9, &out->max_memory_mb)) {
        *error = "--max-memory: expected megabytes, got \"" + v + "\"";
        return false;
      }
    } else {
      *error = "unknown option \"" + arg + "\" (see --help)";
      return false;
    }
  }
  return true;
}

std::string TuneUsage() {
  return std::string(
             "Usage: simdnorm-tune [options]\n"
             "\n"
             "Measures which tile parameters make simdnorm's ops fastest on "
             "this machine\nand writes them to a JSON tuning file, which the "
             "library loads with\nsimdnorm_context_load_tuning() or the "
             "SIMDNORM_TUNING environment variable.\n"
             "Per op, layout, storage type, ISA target and shape bucket (unit "
             "sizes in\n4x steps), it searches a coarse grid then refines "
             "locally, timing medians\nafter warm-up, and keeps a candidate "
             "only if it beats the defaults by more\nthan the measured noise. "
             "Ops the library cannot run yet are skipped with a\nnote.\n"
             "\n"
             "Options:\n"
             "  --shapes FILE     shapes to tune, one per line (default: the "
             "benchmark suite)\n"
             "  --shape SPEC      one more shape, e.g. --shape \"layer_norm "
             "4096x768\";\n"
             "                    repeatable, added to --shapes\n"
             "  --targets WHICH   best (default), all (every target this CPU "
             "supports),\n"
             "                    or a comma-separated list, e.g. AVX3,AVX2\n"
             "  --threads N       threads the library may use, as in "
             "deployment\n"
             "                    (default 0 = all cores)\n"
             "  --budget SECONDS  total time for the run, setup included "
             "(default 60);\n"
             "                    each shape still runs at least once\n"
             "  --out FILE        tuning file to write (default "
             "simdnorm-tuning.json)\n"
             "  --max-memory MB   skip shapes whose buffers need more "
             "(default 2048,\n"
             "                    and at most half of the available memory)\n"
             "  --list            print the shapes that would be tuned and "
             "exit\n"
             "  --quiet           no progress on stderr (the table still "
             "goes to stdout)\n"
             "  --verbose         also each candidate's measured speedup on "
             "stderr\n"
             "  --help            this text\n"
             "\n"
             "Progress goes to stderr (a bar with ETA on a terminal), the "
             "table of default\nvs tuned time per shape to stdout.\n"
             "\n"
             "Shape syntax:\n") +
         CaseSyntaxHelp() +
         "\nExample: simdnorm-tune --budget 40 --out build/tuning.json\n"
         "         SIMDNORM_TUNING=build/tuning.json ./my_program\n";
}

}  // namespace simdnorm_tune
