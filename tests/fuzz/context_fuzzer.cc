// Contexts and the tuning API: a decoded sequence of create/destroy,
// set_threads, set_target (any string), get/set_tile_params with any op,
// layout, unit size and parameter values (enums out of range included),
// save_tuning and load back, and failed loads. A shadow model of the
// context (threads, target, tuning table keyed by op, layout, target and
// shape bucket) predicts every result from the header alone.
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <tuple>

#include "fuzz_common.h"
#include "tile_params_shim.h"

namespace simdnorm_fuzz {
namespace {

using Key = std::tuple<int, int, std::string, int>;  // op, layout, target, bucket

// Bucket b holds unit sizes [4^b, 4^(b+1)).
int BucketOf(int64_t unit_elems) {
  int b = 0;
  while (b < 31 && (__int128{1} << (2 * (b + 1))) <= unit_elems) ++b;
  return b;
}

struct Shadow {
  simdnorm_context* ctx = nullptr;
  int all_cores = 1;
  int threads = 0;  // requested; 0 = all cores
  std::string target;
  std::map<Key, simdnorm_tile_params> table;
};

simdnorm_tile_params Defaults() {
  simdnorm_tile_params d;
  simdnorm_tile_params_init(&d);
  return d;
}

void CheckFailure(simdnorm_status status, const std::string& what) {
  FUZZ_CHECK(status != SIMDNORM_OK, what + " succeeded but must fail");
  FUZZ_CHECK(!LastErrorIsArmed() && simdnorm_last_error()[0] != '\0',
             what + " failed without a message");
}

void CheckSuccess(simdnorm_status status, const std::string& what) {
  FUZZ_CHECK(status == SIMDNORM_OK, what + " failed with status " +
                                        Str(int64_t{status}) + ": " +
                                        simdnorm_last_error());
  FUZZ_CHECK(LastErrorIsArmed(), what + " succeeded but changed the last error");
}

// The parameters ctx reports for a key must be the shadow's.
void CheckLookup(const Shadow& s, int op, int layout, int bucket) {
  simdnorm_tile_params got;
  std::memset(&got, 0x5a, sizeof(got));
  ArmLastError();
  const simdnorm_status status = simdnorm_fuzz_get_tile_params(
      s.ctx, op, layout, int64_t{1} << (2 * bucket), &got);
  CheckSuccess(status, "get_tile_params");
  const auto it = s.table.find(Key(op, layout, s.target, bucket));
  const simdnorm_tile_params want = it != s.table.end() ? it->second : Defaults();
  FUZZ_CHECK(SameTileFields(got, want) && got.speedup == want.speedup &&
                 got.struct_size == sizeof(got),
             "get_tile_params(op " + Str(int64_t{op}) + ", layout " +
                 Str(int64_t{layout}) + ", bucket " + Str(int64_t{bucket}) +
                 ") on " + s.target + " gave " + DescribeTileParams(got) +
                 ", expected " + DescribeTileParams(want));
}

// Every key the shadow knows, plus a few it does not, on ctx's target.
void CheckTable(const Shadow& s) {
  for (const auto& [key, params] : s.table) {
    if (std::get<2>(key) == s.target) {
      CheckLookup(s, std::get<0>(key), std::get<1>(key), std::get<3>(key));
    }
  }
  CheckLookup(s, SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, 5);
  CheckLookup(s, SIMDNORM_OP_BATCH_NORM_TRAINING, SIMDNORM_NHWC, 31);
}

void Create(Shadow& s) {
  ArmLastError();
  CheckSuccess(simdnorm_context_create(&s.ctx), "context_create");
  FUZZ_CHECK(s.ctx != nullptr, "context_create gave NULL");
  s.threads = 0;
  s.all_cores = simdnorm_context_threads(s.ctx);
  FUZZ_CHECK(s.all_cores >= 1, "a new context has no threads");
  s.target = simdnorm_best_target();
  FUZZ_CHECK(s.target == simdnorm_context_target(s.ctx),
             "a new context is not on the best target");
  s.table.clear();
}

int DecodeThreads(ByteReader& in) {
  const int kValues[] = {0, 1, 2, 3, -1, SIMDNORM_MAX_THREADS,
                         SIMDNORM_MAX_THREADS + 1, INT_MIN, INT_MAX, 64};
  const uint8_t tag = in.Byte();
  if (tag >= 250) return static_cast<int>(in.U32());
  return kValues[tag % 10];
}

// A target name: NULL (returned as has_name false), supported ones, and
// names that must be refused.
std::string DecodeTargetName(ByteReader& in, bool* has_name) {
  *has_name = true;
  const auto& supported = SupportedTargets();
  const uint8_t tag = in.Byte();
  switch (tag % 12) {
    case 0: case 1: case 2: case 3:
      return supported[in.Index(supported.size())];
    case 4: return "best";
    case 5: *has_name = false; return "";
    case 6: return "";
    case 7: {
      std::string name = supported[in.Index(supported.size())];
      for (char& c : name) c = static_cast<char>(std::tolower(c));
      return name;
    }
    case 8: return supported[in.Index(supported.size())] + " ";
    case 9: {
      const char* kOthers[] = {"SCALAR", "EMU128", "AVX3_DL", "NEON", "SVE",
                               "AVX3_ZEN4", "BEST", "AVX2,SSE4", "avx512",
                               "AVX-512"};
      return kOthers[in.Index(10)];
    }
    case 10: return std::string(300 + in.Byte(), 'A');
    default: {
      std::string name;
      for (size_t n = in.Index(16); n > 0; --n) name += static_cast<char>(in.Byte());
      return name;
    }
  }
}

int64_t DecodeUnit(ByteReader& in) {
  const uint8_t tag = in.Byte();
  if (tag < 160) return int64_t{1} << (tag % 63);
  if (tag < 200) return static_cast<int64_t>(in.U64() & ((uint64_t{1} << (in.Byte() % 63)) - 1)) + 1;
  const int64_t kValues[] = {0, -1, INT64_MIN, INT64_MAX, 3, 4, 15, 16};
  return kValues[tag % 8];
}

simdnorm_tile_params DecodeParams(ByteReader& in) {
  simdnorm_tile_params p = Defaults();
  p.struct_size = DecodeStructSize(in, sizeof(p));
  for (const TileFieldInfo& f : kTileFields) {
    const uint8_t tag = in.Byte();
    if (tag < 128) continue;
    const int64_t kValues[] = {f.min, f.max, f.min - 1, f.max + 1, 0, -1,
                               INT64_MAX, INT64_MIN};
    if (tag < 224) {
      p.*f.field = kValues[tag % 8];
    } else {
      const uint64_t span = static_cast<uint64_t>(f.max - f.min) + 1;
      p.*f.field = f.min + static_cast<int64_t>(in.U64() % span);
    }
  }
  const uint8_t tag = in.Byte();
  const double kSpeedups[] = {1.0,  0.5,     2.0,    1e6,     1e6 + 1, 0.0,
                              -1.0, NAN,     INFINITY, 1e-4,  1e300,   DBL_MIN,
                              4e-4, 5e-4,    1.2345, 999999.9996};
  if (tag < 128) {
    p.speedup = 1.0;
  } else if (tag < 240) {
    p.speedup = kSpeedups[tag % 16];
  } else {
    const uint64_t bits = in.U64();
    std::memcpy(&p.speedup, &bits, sizeof(bits));
  }
  return p;
}

// Saves ctx, loads the file into a new context and compares every entry
// on every target, and a few keys without entries.
void CheckRoundTrip(const Shadow& s) {
  const std::string path = ScratchDir() + "/context.json";
  ArmLastError();
  CheckSuccess(simdnorm_context_save_tuning(s.ctx, path.c_str()), "save_tuning");
  Shadow loaded;
  Create(loaded);
  ArmLastError();
  const simdnorm_status status = simdnorm_context_load_tuning(loaded.ctx, path.c_str());
  if (status != SIMDNORM_OK) {
    Die(std::string("a saved tuning table does not load: ") + simdnorm_last_error() +
        "\nfile:\n" + ReadFile(path));
  }
  FUZZ_CHECK(LastErrorIsArmed(), "load_tuning succeeded but changed the last error");
  for (const std::string& target : SupportedTargets()) {
    ArmLastError();
    CheckSuccess(simdnorm_context_set_target(loaded.ctx, target.c_str()), "set_target");
    for (int op = 0; op < 6; ++op) {
      for (int layout = 0; layout < 2; ++layout) {
        for (int bucket = 0; bucket < 32; ++bucket) {
          simdnorm_tile_params got;
          ArmLastError();
          CheckSuccess(simdnorm_fuzz_get_tile_params(loaded.ctx, op, layout,
                                                     int64_t{1} << (2 * bucket), &got),
                       "get_tile_params");
          const auto it = s.table.find(Key(op, layout, target, bucket));
          const simdnorm_tile_params want = it != s.table.end() ? it->second : Defaults();
          // Files keep the speedup to 3 decimals (it is for reading).
          const bool same = SameTileFields(got, want) &&
                            std::fabs(got.speedup - want.speedup) <= 5.0001e-4;
          FUZZ_CHECK(same, "after save + load, " + target + " op " + Str(int64_t{op}) +
                               " layout " + Str(int64_t{layout}) + " bucket " +
                               Str(int64_t{bucket}) + " has " + DescribeTileParams(got) +
                               ", saved " + DescribeTileParams(want));
        }
      }
    }
  }
  simdnorm_context_destroy(loaded.ctx);
}

void FuzzOne(const uint8_t* data, size_t size) {
  ByteReader in(data, size);
  SetCaseDescription("context sequence");
  Shadow s;
  Create(s);
  std::string log;
  bool changed = false;  // the table was set: save and load it at the end
  for (int step = 0; step < 48 && in.remaining() > 0; ++step) {
    const uint8_t action = in.Byte() % 10;
    const bool null_ctx = in.Byte() >= 248;
    simdnorm_context* const ctx = null_ctx ? nullptr : s.ctx;
    switch (action) {
      case 0: {
        const int threads = DecodeThreads(in);
        log += " set_threads(" + Str(int64_t{threads}) + (null_ctx ? ",NULL)" : ")");
        ArmLastError();
        const simdnorm_status status = simdnorm_context_set_threads(ctx, threads);
        if (null_ctx || threads < 0 || threads > SIMDNORM_MAX_THREADS) {
          CheckFailure(status, "set_threads");
        } else {
          CheckSuccess(status, "set_threads");
          s.threads = threads;
        }
        // Capped at the cores the process may use (what 0 gives).
        const int want =
            s.threads == 0 ? s.all_cores : std::min(s.threads, s.all_cores);
        FUZZ_CHECK(simdnorm_context_threads(s.ctx) == want,
                   "context_threads is " + Str(int64_t{simdnorm_context_threads(s.ctx)}) +
                       ", expected " + Str(int64_t{want}));
        break;
      }
      case 1: {
        bool has_name;
        const std::string name = DecodeTargetName(in, &has_name);
        log += " set_target(" + (has_name ? "\"" + name.substr(0, 20) + "\"" : std::string("NULL")) + ")";
        ArmLastError();
        const simdnorm_status status =
            simdnorm_context_set_target(ctx, has_name ? name.c_str() : nullptr);
        const std::string c_name = name.c_str();  // up to a NUL byte
        const auto& supported = SupportedTargets();
        // Names match in any case; "AVX512" names AVX3.
        const auto same = [](const std::string& a, const std::string& b) {
          return strcasecmp(a.c_str(), b.c_str()) == 0;
        };
        const bool best = !has_name || same(c_name, "best");
        std::string match;
        for (const std::string& t : supported) {
          if (same(c_name, t) || (t == "AVX3" && same(c_name, "AVX512"))) match = t;
        }
        if (null_ctx || (!best && match.empty())) {
          CheckFailure(status, "set_target");
        } else {
          CheckSuccess(status, "set_target");
          s.target = best ? simdnorm_best_target() : match;
        }
        FUZZ_CHECK(s.target == simdnorm_context_target(s.ctx),
                   std::string("context_target is ") + simdnorm_context_target(s.ctx) +
                       ", expected " + s.target);
        break;
      }
      case 2: case 3: {
        const int op = DecodeEnum(in, 6, 232);
        const int layout = DecodeEnum(in, 2, 232);
        const int64_t unit = DecodeUnit(in);
        const bool remove = in.Byte() >= 224;
        const simdnorm_tile_params p = DecodeParams(in);
        log += " set_tile_params(" + Str(int64_t{op}) + "," + Str(int64_t{layout}) +
               "," + Str(unit) + "," + (remove ? "NULL" : DescribeTileParams(p)) + ")";
        ArmLastError();
        const simdnorm_status status = simdnorm_fuzz_set_tile_params(
            ctx, op, layout, unit, remove ? nullptr : &p);
        bool valid = !null_ctx && op >= 0 && op <= 5 && layout >= 0 && layout <= 1 &&
                     unit > 0;
        if (valid && !remove) {
          valid = p.struct_size == sizeof(p) && p.speedup > 0.0 && p.speedup <= 1e6;
          for (const TileFieldInfo& f : kTileFields) {
            valid &= p.*f.field >= f.min && p.*f.field <= f.max;
          }
        }
        if (!valid) {
          CheckFailure(status, "set_tile_params");
        } else {
          CheckSuccess(status, "set_tile_params");
          const Key key(op, layout, s.target, BucketOf(unit));
          if (remove) {
            s.table.erase(key);
          } else {
            s.table[key] = p;
          }
          changed = true;
        }
        CheckTable(s);
        break;
      }
      case 4: case 5: {
        const int op = DecodeEnum(in, 6, 232);
        const int layout = DecodeEnum(in, 2, 232);
        const int64_t unit = DecodeUnit(in);
        const bool null_out = in.Byte() >= 248;
        log += " get_tile_params(" + Str(int64_t{op}) + "," + Str(int64_t{layout}) +
               "," + Str(unit) + (null_out ? ",NULL)" : ")");
        simdnorm_tile_params got;
        std::memset(&got, 0x5a, sizeof(got));
        const simdnorm_tile_params before = got;
        ArmLastError();
        const simdnorm_status status = simdnorm_fuzz_get_tile_params(
            ctx, op, layout, unit, null_out ? nullptr : &got);
        if (null_out || op < 0 || op > 5 || layout < 0 || layout > 1 || unit <= 0) {
          CheckFailure(status, "get_tile_params");
          FUZZ_CHECK(std::memcmp(&got, &before, sizeof(got)) == 0,
                     "a failed get_tile_params wrote its output");
        } else {
          CheckSuccess(status, "get_tile_params");
          simdnorm_tile_params want = Defaults();
          if (!null_ctx) {  // the default context has no entries
            const auto it = s.table.find(Key(op, layout, s.target, BucketOf(unit)));
            if (it != s.table.end()) want = it->second;
          }
          FUZZ_CHECK(SameTileFields(got, want) && got.speedup == want.speedup,
                     "get_tile_params gave " + DescribeTileParams(got) +
                         ", expected " + DescribeTileParams(want));
        }
        break;
      }
      case 6: {
        log += " save+load";
        if (null_ctx) {  // the default context saves too (an empty table)
          const std::string path = ScratchDir() + "/default.json";
          ArmLastError();
          CheckSuccess(simdnorm_context_save_tuning(nullptr, path.c_str()),
                       "save_tuning(NULL)");
        } else {
          CheckRoundTrip(s);
        }
        break;
      }
      case 7: {
        const uint8_t which = in.Byte() % 4;
        const std::string missing = ScratchDir() + "/missing/none.json";
        const char* const kPaths[] = {missing.c_str(), "/", nullptr, ""};
        log += " load_bad(" + Str(int64_t{which}) + ")";
        ArmLastError();
        CheckFailure(simdnorm_context_load_tuning(ctx, kPaths[which]), "load_tuning");
        if ((which == 0 || which == 2) && !null_ctx) {
          ArmLastError();
          CheckFailure(simdnorm_context_save_tuning(s.ctx, kPaths[which]),
                       "save_tuning to a bad path");
        }
        CheckTable(s);
        break;
      }
      case 8: {
        log += " recreate";
        if (changed) CheckRoundTrip(s);
        changed = false;
        simdnorm_context_destroy(s.ctx);
        Create(s);
        break;
      }
      default: {
        const int status = DecodeEnum(in, 6, 200);
        log += " queries(" + Str(int64_t{status}) + ")";
        const char* text = simdnorm_fuzz_status_string(status);
        FUZZ_CHECK(text != nullptr && text[0] != '\0', "empty status string");
        FUZZ_CHECK(simdnorm_context_threads(nullptr) >= 1, "default context threads");
        FUZZ_CHECK(std::string(simdnorm_context_target(nullptr)) == simdnorm_best_target(),
                   "default context target");
        const std::string version = Str(int64_t{SIMDNORM_VERSION_MAJOR}) + "." +
                                    Str(int64_t{SIMDNORM_VERSION_MINOR}) + "." +
                                    Str(int64_t{SIMDNORM_VERSION_PATCH});
        FUZZ_CHECK(version == simdnorm_version(), "simdnorm_version() is not the header's");
        break;
      }
    }
    SetCaseDescription("context sequence:" + log);
  }
  CheckTable(s);
  if (changed) CheckRoundTrip(s);
  simdnorm_context_destroy(s.ctx);
  CountOutcome(changed ? "sequence with a table" : "sequence");
}

}  // namespace
}  // namespace simdnorm_fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  simdnorm_fuzz::FuzzOne(data, size);
  return 0;
}
