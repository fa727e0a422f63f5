// Tuning tables: the query/set API, tuning files (round trip, malformed
// files, entries for other machines), SIMDNORM_TUNING, and the numerics
// contract under a tuned table.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "reference.h"
#include "simdnorm/simdnorm.h"
#include "simdnorm/simdnorm.hpp"
#include "target_harness.h"

namespace simdnorm_test {
namespace {

using nlohmann::json;

// A file name unique to this process and test.
std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir && dir[0] ? dir : "/tmp") + "/simdnorm_tuning_" +
         std::to_string(::getpid()) + "_" + name + ".json";
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool SameParams(const simdnorm_tile_params& a, const simdnorm_tile_params& b) {
  return a.block_elems == b.block_elems && a.chunk_elems == b.chunk_elems &&
         a.task_bytes == b.task_bytes && a.inline_bytes == b.inline_bytes &&
         a.split_elems == b.split_elems && a.spatial_tile == b.spatial_tile &&
         a.stream_bytes == b.stream_bytes;
}

simdnorm::TileParams Defaults() { return simdnorm::TileParams(); }

// Non-default values within every bound.
simdnorm::TileParams Tuned() {
  simdnorm::TileParams p;
  p.block_elems = 512;
  p.chunk_elems = 8192;
  p.task_bytes = 1 << 20;
  p.inline_bytes = 4096;
  p.split_elems = 16384;
  p.spatial_tile = 16;
  p.stream_bytes = 1 << 22;
  p.speedup = 1.25;
  return p;
}

constexpr int64_t kRowUnit = 4096;  // LayerNorm rows of 4096: bucket 6
// The row norm suite's tolerances against the float64 reference.
constexpr double kAbsTol = 2e-5;
constexpr double kRelTol = 2e-5;  // LayerNorm rows of 4096: bucket 6

simdnorm_tile_params Query(const simdnorm::Context& ctx,
                           simdnorm_op op = SIMDNORM_OP_LAYER_NORM,
                           int64_t unit = kRowUnit,
                           simdnorm_layout layout = SIMDNORM_NCHW) {
  return ctx.tile_params(op, layout, unit);
}

// A valid file with one tuned LayerNorm entry for this machine, as the
// library writes it.
json SavedTable(const std::string& name) {
  simdnorm::Context ctx;
  const simdnorm::TileParams tuned = Tuned();
  ctx.set_tile_params(SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, kRowUnit, &tuned);
  const std::string path = TempPath(name);
  ctx.save_tuning(path.c_str());
  const json file = json::parse(ReadText(path));
  std::remove(path.c_str());
  return file;
}

TEST(TuningTest, DefaultsWithoutATable) {
  simdnorm::Context ctx;
  for (int op = SIMDNORM_OP_LAYER_NORM; op <= SIMDNORM_OP_BATCH_NORM_TRAINING;
       ++op) {
    const simdnorm_tile_params p =
        Query(ctx, static_cast<simdnorm_op>(op), 1000, SIMDNORM_NHWC);
    EXPECT_TRUE(SameParams(p, Defaults())) << "op " << op;
    EXPECT_EQ(p.speedup, 1.0);
  }
  EXPECT_EQ(ctx.tuning_warnings(), "");
}

TEST(TuningTest, SetParamsChangesThePlanForItsBucketOnly) {
  simdnorm::Context ctx;
  const simdnorm::TileParams tuned = Tuned();
  ctx.set_tile_params(SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, kRowUnit, &tuned);
  // Same bucket: units of [4096, 16384).
  EXPECT_TRUE(SameParams(Query(ctx), tuned));
  EXPECT_TRUE(SameParams(Query(ctx, SIMDNORM_OP_LAYER_NORM, 16383), tuned));
  EXPECT_EQ(Query(ctx).speedup, 1.25);
  // Other buckets, ops, layouts and targets keep the defaults.
  EXPECT_TRUE(SameParams(Query(ctx, SIMDNORM_OP_LAYER_NORM, 4095), Defaults()));
  EXPECT_TRUE(
      SameParams(Query(ctx, SIMDNORM_OP_LAYER_NORM, 16384), Defaults()));
  EXPECT_TRUE(SameParams(Query(ctx, SIMDNORM_OP_RMS_NORM), Defaults()));
  EXPECT_TRUE(SameParams(
      Query(ctx, SIMDNORM_OP_LAYER_NORM, kRowUnit, SIMDNORM_NHWC), Defaults()));
  const std::vector<std::string> targets = SupportedTargetNames();
  if (targets.size() > 1) {
    ctx.set_target(targets[1].c_str());
    EXPECT_TRUE(SameParams(Query(ctx), Defaults()));
    ctx.set_target(targets[0].c_str());
    EXPECT_TRUE(SameParams(Query(ctx), tuned));
  }
  // Removing the entry brings the defaults back.
  ctx.set_tile_params(SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, kRowUnit, nullptr);
  EXPECT_TRUE(SameParams(Query(ctx), Defaults()));
}

TEST(TuningTest, SetParamsRejectsValuesOutOfBounds) {
  simdnorm::Context ctx;
  const auto expect_rejected = [&](const simdnorm_tile_params& p,
                                   const char* field) {
    EXPECT_EQ(simdnorm_context_set_tile_params(ctx.get(), SIMDNORM_OP_RMS_NORM,
                                               SIMDNORM_NCHW, kRowUnit, &p),
              SIMDNORM_INVALID_ARGUMENT)
        << field;
    EXPECT_NE(std::string(simdnorm_last_error()).find(field), std::string::npos)
        << simdnorm_last_error();
    EXPECT_TRUE(SameParams(Query(ctx, SIMDNORM_OP_RMS_NORM), Defaults()));
  };
  simdnorm::TileParams p;
  p.block_elems = 8;
  expect_rejected(p, "block_elems");
  p = simdnorm::TileParams();
  p.chunk_elems = 0;
  expect_rejected(p, "chunk_elems");
  p = simdnorm::TileParams();
  p.task_bytes = -4096;
  expect_rejected(p, "task_bytes");
  p = simdnorm::TileParams();
  p.split_elems = INT64_MAX;
  expect_rejected(p, "split_elems");
  p = simdnorm::TileParams();
  p.spatial_tile = int64_t{1} << 40;
  expect_rejected(p, "spatial_tile");
  p = simdnorm::TileParams();
  p.speedup = -1.0;
  expect_rejected(p, "speedup");
  // Beyond what tuning files accept: a table holding it would not load.
  p = simdnorm::TileParams();
  p.speedup = 2e6;
  expect_rejected(p, "speedup");
  p = simdnorm::TileParams();
  p.speedup = std::numeric_limits<double>::quiet_NaN();
  expect_rejected(p, "speedup");
  p = simdnorm::TileParams();
  p.struct_size = 8;
  expect_rejected(p, "struct_size");

  simdnorm_tile_params out;
  EXPECT_EQ(simdnorm_context_get_tile_params(ctx.get(), SIMDNORM_OP_LAYER_NORM,
                                             SIMDNORM_NCHW, 0, &out),
            SIMDNORM_INVALID_ARGUMENT);
  // Past the last op, yet within the enum's range of values (a C caller may
  // pass any int; the library reads it as an int).
  EXPECT_EQ(
      simdnorm_context_get_tile_params(ctx.get(), static_cast<simdnorm_op>(6),
                                       SIMDNORM_NCHW, 64, &out),
      SIMDNORM_INVALID_ARGUMENT);
  EXPECT_TRUE(FailedWith(
      simdnorm_context_set_tile_params(nullptr, SIMDNORM_OP_LAYER_NORM,
                                       SIMDNORM_NCHW, 64, &p),
      SIMDNORM_INVALID_ARGUMENT,
      "simdnorm_context_set_tile_params: ctx is null (the default context "
      "cannot be changed: create a context, or use SIMDNORM_TARGET and "
      "SIMDNORM_TUNING)"));
}

TEST(TuningTest, FileRoundTrip) {
  simdnorm::Context ctx;
  const simdnorm::TileParams tuned = Tuned();
  simdnorm::TileParams other;
  other.spatial_tile = 256;
  other.speedup = 1.1;
  ctx.set_tile_params(SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, kRowUnit, &tuned);
  ctx.set_tile_params(SIMDNORM_OP_GROUP_NORM, SIMDNORM_NHWC, 40960, &other);
  const std::string path = TempPath("round_trip");
  ctx.save_tuning(path.c_str());

  const json file = json::parse(ReadText(path));
  EXPECT_EQ(file["format"], "simdnorm-tuning");
  EXPECT_EQ(file["format_version"], 1);
  EXPECT_EQ(file["library_version"], simdnorm_version());
  EXPECT_FALSE(file["cpu"]["model"].get<std::string>().empty());
  EXPECT_EQ(file["cpu"]["best_target"], simdnorm_best_target());
  EXPECT_FALSE(file["created"].get<std::string>().empty());
  ASSERT_EQ(file["entries"].size(), 2u);
  const json& e = file["entries"][0];
  EXPECT_EQ(e["op"], "layer_norm");
  EXPECT_EQ(e["layout"], "nchw");
  EXPECT_EQ(e["target"], ctx.target());
  EXPECT_EQ(e["bucket"], 6);
  EXPECT_EQ(e["params"]["block_elems"], 512);
  EXPECT_EQ(e["speedup"], 1.25);

  simdnorm::Context loaded;
  loaded.load_tuning(path.c_str());
  EXPECT_EQ(loaded.tuning_warnings(), "");
  EXPECT_TRUE(SameParams(Query(loaded), tuned));
  EXPECT_EQ(Query(loaded).speedup, 1.25);
  EXPECT_TRUE(SameParams(
      Query(loaded, SIMDNORM_OP_GROUP_NORM, 40960, SIMDNORM_NHWC), other));
  EXPECT_TRUE(SameParams(Query(loaded, SIMDNORM_OP_RMS_NORM), Defaults()));

  // Saving what was loaded gives the same entries back.
  const std::string again = TempPath("round_trip_again");
  loaded.save_tuning(again.c_str());
  EXPECT_EQ(json::parse(ReadText(again))["entries"], file["entries"]);
  std::remove(path.c_str());
  std::remove(again.c_str());
}

// Any table set through the API saves to a file that loads back, speedups
// at both ends of their range included.
TEST(TuningTest, ExtremeSpeedupsSurviveSaveAndLoad) {
  simdnorm::Context ctx;
  simdnorm::TileParams tiny, huge;
  tiny.speedup = 1e-4;  // 3 decimals would make it 0
  huge.speedup = 1e6;
  ctx.set_tile_params(SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, kRowUnit, &tiny);
  ctx.set_tile_params(SIMDNORM_OP_RMS_NORM, SIMDNORM_NCHW, kRowUnit, &huge);
  const std::string path = TempPath("extreme_speedups");
  ctx.save_tuning(path.c_str());
  simdnorm::Context loaded;
  loaded.load_tuning(path.c_str());
  EXPECT_EQ(Query(loaded).speedup, 1e-4);
  EXPECT_EQ(Query(loaded, SIMDNORM_OP_RMS_NORM).speedup, 1e6);
  std::remove(path.c_str());
}

// Each case breaks a valid file in one way.
struct BrokenFile {
  const char* name;
  std::function<std::string(const json& valid)> text;
  const char* message_part;
};

std::string WithChange(json file, const std::function<void(json&)>& change) {
  change(file);
  return file.dump(2);
}

std::vector<BrokenFile> BrokenFiles() {
  return {
      {"truncated",
       [](const json& f) {
         const std::string text = f.dump(2);
         return text.substr(0, text.size() / 2);
       },
       "not valid JSON"},
      {"empty", [](const json&) { return std::string(); }, "not valid JSON"},
      {"not_json", [](const json&) { return std::string("block_elems=4"); },
       "not valid JSON"},
      {"top_level_array", [](const json&) { return std::string("[1, 2]"); },
       "expected a JSON object"},
      {"other_format",
       [](const json& f) {
         return WithChange(f, [](json& j) { j["format"] = "onnx"; });
       },
       "format"},
      {"unknown_version",
       [](const json& f) {
         return WithChange(f, [](json& j) { j["format_version"] = 2; });
       },
       "unknown version 2"},
      {"version_as_string",
       [](const json& f) {
         return WithChange(f, [](json& j) { j["format_version"] = "1"; });
       },
       "format_version"},
      {"missing_entries",
       [](const json& f) {
         return WithChange(f, [](json& j) { j.erase("entries"); });
       },
       "missing \"entries\""},
      {"entries_not_array",
       [](const json& f) {
         return WithChange(f, [](json& j) { j["entries"] = json::object(); });
       },
       "entries: expected an array"},
      {"missing_cpu",
       [](const json& f) {
         return WithChange(f, [](json& j) { j.erase("cpu"); });
       },
       "missing \"cpu\""},
      {"param_as_string",
       [](const json& f) {
         return WithChange(f, [](json& j) {
           j["entries"][0]["params"]["block_elems"] = "2048";
         });
       },
       "entries[0].params.block_elems: expected an integer, got a string"},
      {"param_as_fraction",
       [](const json& f) {
         return WithChange(
             f, [](json& j) { j["entries"][0]["params"]["task_bytes"] = 2.5; });
       },
       "entries[0].params.task_bytes: expected an integer"},
      {"bucket_as_string",
       [](const json& f) {
         return WithChange(f, [](json& j) { j["entries"][0]["bucket"] = "6"; });
       },
       "entries[0].bucket"},
      {"op_as_number",
       [](const json& f) {
         return WithChange(f, [](json& j) { j["entries"][0]["op"] = 0; });
       },
       "entries[0].op: expected a string"},
      {"params_not_object",
       [](const json& f) {
         return WithChange(f, [](json& j) { j["entries"][0]["params"] = 7; });
       },
       "entries[0].params: expected an object"},
      {"huge_beyond_64_bits",
       [](const json& f) {
         std::string text = f.dump(2);
         const std::string key = "\"chunk_elems\": 8192";
         text.replace(text.find(key), key.size(),
                      "\"chunk_elems\": 99999999999999999999999");
         return text;
       },
       "chunk_elems: expected an integer"},
      {"huge_uint64",
       [](const json& f) {
         return WithChange(f, [](json& j) {
           j["entries"][0]["params"]["split_elems"] = UINT64_MAX;
         });
       },
       "split_elems: value 18446744073709551615 must be in"},
      {"huge_in_int64",
       [](const json& f) {
         return WithChange(f, [](json& j) {
           j["entries"][0]["params"]["block_elems"] = int64_t{1} << 40;
         });
       },
       "block_elems: value 1099511627776 must be in [16, 16777216]"},
      {"negative_size",
       [](const json& f) {
         return WithChange(f, [](json& j) {
           j["entries"][0]["params"]["chunk_elems"] = -4096;
         });
       },
       "chunk_elems: value -4096 must be in"},
      {"zero_size",
       [](const json& f) {
         return WithChange(
             f, [](json& j) { j["entries"][0]["params"]["task_bytes"] = 0; });
       },
       "task_bytes: value 0 must be in"},
      {"bucket_out_of_range",
       [](const json& f) {
         return WithChange(f, [](json& j) { j["entries"][0]["bucket"] = 99; });
       },
       "bucket: value 99 must be in [0, 31]"},
      {"negative_speedup",
       [](const json& f) {
         return WithChange(f, [](json& j) { j["entries"][0]["speedup"] = -2; });
       },
       "speedup"},
      // Hostile nesting: must fail cleanly, not overflow the stack while
      // parsing, describing or freeing the value.
      {"deep_version",
       [](const json& f) {
         const std::string deep =
             std::string(200000, '[') + std::string(200000, ']');
         std::string text = WithChange(f, [](json& j) {
           j["format_version"] = "DEEP";
         });
         return text.replace(text.find("\"DEEP\""), 6, deep);
       },
       "nested more than 16 deep"},
      {"deep_unknown_field",
       [](const json& f) {
         std::string text = f.dump();
         return text.substr(0, text.size() - 1) + ",\"x\":" +
                std::string(17, '{') + std::string(17, '}') + "}";
       },
       "nested more than 16 deep"},
      {"too_large",
       [](const json& f) { return f.dump() + std::string(17 << 20, ' '); },
       "larger than a tuning file can be (16 MiB)"},
      {"entry_not_object",
       [](const json& f) {
         return WithChange(f, [](json& j) { j["entries"].push_back("x"); });
       },
       "entries[1]: expected an object"},
  };
}

TEST(TuningTest, MalformedFilesFailAndKeepThePreviousTable) {
  const json valid = SavedTable("valid");
  const std::string valid_path = TempPath("valid_for_broken");
  WriteText(valid_path, valid.dump(2));
  // Previously loaded table: must survive every failed load.
  simdnorm::Context tuned_ctx;
  tuned_ctx.load_tuning(valid_path.c_str());
  ASSERT_TRUE(SameParams(Query(tuned_ctx), Tuned()));
  // Fresh context: must keep its defaults.
  simdnorm::Context fresh;

  for (const BrokenFile& broken : BrokenFiles()) {
    SCOPED_TRACE(broken.name);
    const std::string path = TempPath(broken.name);
    const std::string text = broken.text(valid);
    WriteText(path, text);
    for (simdnorm::Context* ctx : {&tuned_ctx, &fresh}) {
      // From the file, and from the same bytes in memory: one parser.
      EXPECT_EQ(simdnorm_context_load_tuning(ctx->get(), path.c_str()),
                SIMDNORM_TUNING_ERROR);
      std::string message = simdnorm_last_error();
      EXPECT_EQ(
          message.rfind(
              "simdnorm_context_load_tuning: tuning file " + path + ": ", 0),
          0u)
          << message;
      EXPECT_NE(message.find(broken.message_part), std::string::npos)
          << "message \"" << message << "\" lacks \"" << broken.message_part
          << "\"";
      EXPECT_EQ(simdnorm_context_load_tuning_from_memory(
                    ctx->get(), text.data(), text.size()),
                SIMDNORM_TUNING_ERROR);
      message = simdnorm_last_error();
      EXPECT_EQ(message.rfind("simdnorm_context_load_tuning_from_memory: "
                              "tuning data (" +
                                  std::to_string(text.size()) + " bytes): ",
                              0),
                0u)
          << message;
      EXPECT_NE(message.find(broken.message_part), std::string::npos)
          << "message \"" << message << "\" lacks \"" << broken.message_part
          << "\"";
    }
    EXPECT_TRUE(SameParams(Query(tuned_ctx), Tuned()));
    EXPECT_TRUE(SameParams(Query(fresh), Defaults()));
    std::remove(path.c_str());
  }
  EXPECT_EQ(simdnorm_context_load_tuning(fresh.get(), "/nonexistent/t.json"),
            SIMDNORM_TUNING_ERROR);
  EXPECT_NE(std::string(simdnorm_last_error()).find("cannot open"),
            std::string::npos);
  std::remove(valid_path.c_str());
}

// A table embedded in the runtime's binary loads like the file.
TEST(TuningTest, LoadsFromMemory) {
  const std::string text = SavedTable("memory").dump(2);
  simdnorm::Context ctx;
  ASSERT_EQ(simdnorm_context_load_tuning_from_memory(ctx.get(), text.data(),
                                                     text.size()),
            SIMDNORM_OK)
      << simdnorm_last_error();
  EXPECT_TRUE(SameParams(Query(ctx), Tuned()));
  EXPECT_EQ(ctx.tuning_warnings(), "");
  // Not NUL-terminated: only `size` bytes are read.
  std::string padded = text + "garbage";
  simdnorm::Context other;
  ASSERT_EQ(simdnorm_context_load_tuning_from_memory(other.get(), padded.data(),
                                                     text.size()),
            SIMDNORM_OK)
      << simdnorm_last_error();
  EXPECT_TRUE(SameParams(Query(other), Tuned()));

  simdnorm::Context fresh;
  EXPECT_TRUE(FailedWith(
      simdnorm_context_load_tuning_from_memory(fresh.get(), nullptr, 4),
      SIMDNORM_INVALID_ARGUMENT,
      "simdnorm_context_load_tuning_from_memory: data is null"));
  EXPECT_TRUE(FailedWith(simdnorm_context_load_tuning_from_memory(
                             nullptr, text.data(), text.size()),
                         SIMDNORM_INVALID_ARGUMENT,
                         "simdnorm_context_load_tuning_from_memory: ctx is "
                         "null"));
  EXPECT_TRUE(FailedWith(
      simdnorm_context_load_tuning_from_memory(fresh.get(), text.data(), 0),
      SIMDNORM_TUNING_ERROR, "(0 bytes): not valid JSON"));
  EXPECT_TRUE(SameParams(Query(fresh), Defaults()));
  EXPECT_TRUE(FailedWith(simdnorm_context_load_tuning(nullptr, "x.json"),
                         SIMDNORM_INVALID_ARGUMENT,
                         "simdnorm_context_load_tuning: ctx is null"));
}

// A table tuned with another thread count is used, and the caller can read
// that it may not fit.
TEST(TuningTest, OtherThreadCountIsAWarning) {
  json file = SavedTable("threads");
  simdnorm::Context ctx(1);
  file["threads"] = 7;
  const std::string text = file.dump();
  ASSERT_EQ(simdnorm_context_load_tuning_from_memory(ctx.get(), text.data(),
                                                     text.size()),
            SIMDNORM_OK)
      << simdnorm_last_error();
  EXPECT_TRUE(SameParams(Query(ctx), Tuned()));
  const std::string warnings = ctx.tuning_warnings();
  EXPECT_NE(warnings.find("tuned with 7 threads, this context runs 1"),
            std::string::npos)
      << warnings;
  EXPECT_NE(warnings.find("simdnorm-tune --threads 1"), std::string::npos)
      << warnings;
  EXPECT_EQ(std::string(simdnorm_context_warnings(ctx.get())), warnings);
  // The same thread count (or none recorded) is no warning.
  file["threads"] = 1;
  std::string same = file.dump();
  ASSERT_EQ(simdnorm_context_load_tuning_from_memory(ctx.get(), same.data(),
                                                     same.size()),
            SIMDNORM_OK);
  EXPECT_EQ(ctx.tuning_warnings(), "");
  file.erase("threads");
  same = file.dump();
  ASSERT_EQ(simdnorm_context_load_tuning_from_memory(ctx.get(), same.data(),
                                                     same.size()),
            SIMDNORM_OK);
  EXPECT_EQ(ctx.tuning_warnings(), "");
}

TEST(TuningTest, SaveFailureNamesTheFunction) {
  simdnorm::Context ctx;
  EXPECT_TRUE(FailedWith(
      simdnorm_context_save_tuning(ctx.get(), "/nonexistent/dir/t.json"),
      SIMDNORM_TUNING_ERROR,
      "simdnorm_context_save_tuning: cannot write tuning file "
      "/nonexistent/dir/t.json"));
}

// Brackets inside strings are text, not nesting.
TEST(TuningTest, BracketsInStringsAreNotNesting) {
  json file = SavedTable("brackets");
  file["created"] = std::string(100, '[') + "\\\"" + std::string(100, '{');
  const std::string path = TempPath("brackets");
  WriteText(path, file.dump(2));
  simdnorm::Context ctx;
  EXPECT_EQ(simdnorm_context_load_tuning(ctx.get(), path.c_str()), SIMDNORM_OK)
      << simdnorm_last_error();
  EXPECT_TRUE(SameParams(Query(ctx), Tuned()));
  std::remove(path.c_str());
}

// Entries per storage type: a bf16 problem uses its own entry, else the
// fp32 one of the same key, else the defaults; files carry the dtype.
TEST(TuningTest, EntriesPerStorageType) {
  simdnorm::Context ctx;
  const simdnorm::TileParams tuned = Tuned();
  simdnorm::TileParams for_bf16;
  for_bf16.chunk_elems = 4096;
  for_bf16.speedup = 1.5;
  const auto query = [](const simdnorm::Context& c, simdnorm_dtype dtype) {
    return c.tile_params(SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, dtype, kRowUnit);
  };
  ctx.set_tile_params(SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, kRowUnit, &tuned);
  EXPECT_TRUE(SameParams(query(ctx, SIMDNORM_BF16), tuned)) << "fp32 fallback";
  ctx.set_tile_params(SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, SIMDNORM_BF16,
                      kRowUnit, &for_bf16);
  EXPECT_TRUE(SameParams(query(ctx, SIMDNORM_BF16), for_bf16));
  EXPECT_EQ(query(ctx, SIMDNORM_BF16).speedup, 1.5);
  EXPECT_TRUE(SameParams(query(ctx, SIMDNORM_F16), tuned));
  EXPECT_EQ(query(ctx, SIMDNORM_F16).speedup, 1.25) << "the fp32 entry's";
  EXPECT_TRUE(SameParams(query(ctx, SIMDNORM_F32), tuned));
  EXPECT_TRUE(SameParams(Query(ctx), tuned));

  const std::string path = TempPath("dtypes");
  ctx.save_tuning(path.c_str());
  json file = json::parse(ReadText(path));
  ASSERT_EQ(file["entries"].size(), 2u);
  EXPECT_EQ(file["entries"][0]["dtype"], "f32");
  EXPECT_EQ(file["entries"][1]["dtype"], "bf16");
  simdnorm::Context loaded;
  loaded.load_tuning(path.c_str());
  EXPECT_EQ(loaded.tuning_warnings(), "");
  EXPECT_TRUE(SameParams(query(loaded, SIMDNORM_BF16), for_bf16));
  EXPECT_TRUE(SameParams(query(loaded, SIMDNORM_F32), tuned));

  // A type this build does not know: that entry is ignored, with a warning.
  file["entries"][1]["dtype"] = "int4";
  WriteText(path, file.dump(2));
  simdnorm::Context unknown;
  unknown.load_tuning(path.c_str());
  EXPECT_NE(unknown.tuning_warnings().find("dtype \"int4\" is not supported"),
            std::string::npos)
      << unknown.tuning_warnings();
  EXPECT_TRUE(SameParams(query(unknown, SIMDNORM_BF16), tuned));

  // Removing the bf16 entry falls back to fp32 again; int8 is no storage type.
  ctx.set_tile_params(SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, SIMDNORM_BF16,
                      kRowUnit, nullptr);
  EXPECT_TRUE(SameParams(query(ctx, SIMDNORM_BF16), tuned));
  simdnorm_tile_params out;
  EXPECT_TRUE(FailedWith(
      simdnorm_context_get_dtype_tile_params(ctx.get(), SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW,
                                             SIMDNORM_S8, kRowUnit, &out),
      SIMDNORM_UNSUPPORTED, "is an output type only"));
  std::remove(path.c_str());
}

TEST(TuningTest, EntriesForAnotherCpuAreIgnoredWithAWarning) {
  json file = SavedTable("other_cpu");
  file["cpu"]["model"] = "Imaginary CPU 9000";
  const std::string path = TempPath("other_cpu");
  WriteText(path, file.dump(2));
  simdnorm::Context ctx;
  ctx.load_tuning(path.c_str());  // not an error: the file is fine
  EXPECT_TRUE(SameParams(Query(ctx), Defaults()));
  const std::string warnings = ctx.tuning_warnings();
  EXPECT_NE(warnings.find("Imaginary CPU 9000"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("ignored"), std::string::npos) << warnings;
  std::remove(path.c_str());
}

TEST(TuningTest, EntriesForTargetsThisCpuLacksAreIgnoredWithAWarning) {
  json file = SavedTable("other_target");
  json foreign = file["entries"][0];
  foreign["target"] = "SVE2";  // never compiled into an x86 build
  foreign["bucket"] = 3;
  file["entries"].push_back(foreign);
  json unknown_op = file["entries"][0];
  unknown_op["op"] = "layer_norm_v2";
  unknown_op["params"]["unroll"] = 4;
  file["entries"].push_back(unknown_op);
  // A target compiled in but beyond this CPU, if this build has one.
  const std::vector<std::string> compiled =
      SplitList(simdnorm_compiled_targets());
  const std::vector<std::string> supported = SupportedTargetNames();
  std::string unrunnable;
  for (const std::string& t : compiled) {
    if (std::find(supported.begin(), supported.end(), t) == supported.end()) {
      unrunnable = t;
    }
  }
  if (!unrunnable.empty()) {
    json e = file["entries"][0];
    e["target"] = unrunnable;
    file["entries"].push_back(e);
  }
  const std::string path = TempPath("other_target");
  WriteText(path, file.dump(2));
  simdnorm::Context ctx;
  ctx.load_tuning(path.c_str());
  // The entry for this CPU's target still applies.
  EXPECT_TRUE(SameParams(Query(ctx), Tuned()));
  EXPECT_TRUE(SameParams(Query(ctx, SIMDNORM_OP_LAYER_NORM, 64), Defaults()));
  const std::string warnings = ctx.tuning_warnings();
  EXPECT_NE(warnings.find("SVE2"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("layer_norm_v2"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("unroll"), std::string::npos) << warnings;
  if (!unrunnable.empty()) {
    EXPECT_NE(warnings.find(unrunnable), std::string::npos) << warnings;
  }
  std::remove(path.c_str());
}

// LayerNorm of a [rows, cols] problem on ctx.
std::vector<float> RunLayerNorm(const simdnorm::Context& ctx,
                                const std::vector<float>& x, int64_t rows,
                                int64_t cols) {
  std::vector<float> y(x.size(), -1.0f);
  simdnorm::RowNormArgs args;
  args.rows = rows;
  args.cols = cols;
  args.x = x.data();
  args.y = y.data();
  simdnorm::LayerNorm(args, &ctx);
  return y;
}

// A tuned table changes how the work is cut, not what is computed: results
// stay within the accuracy the other suites test, for every target.
TEST(TuningTest, TunedTableKeepsResultsAccurate) {
  const int64_t rows = 4, cols = 50000;
  std::vector<float> x = RandomNormal(rows * cols, 1000.0, 2.0, 7);
  std::vector<double> ref;
  ReferenceLayerNorm(x.data(), rows, cols, cols, nullptr, nullptr, 1e-5, &ref,
                     nullptr, nullptr);
  for (const std::string& target : SupportedTargetNames()) {
    SCOPED_TRACE(target);
    simdnorm::Context ctx(2, target.c_str());
    simdnorm::TileParams small_blocks;
    small_blocks.block_elems = 16;
    small_blocks.chunk_elems = 1024;
    small_blocks.inline_bytes = 1;
    small_blocks.split_elems = 1024;
    ctx.set_tile_params(SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, cols,
                        &small_blocks);
    EXPECT_TRUE(AllClose(RunLayerNorm(ctx, x, rows, cols).data(), cols, ref,
                         rows, cols, kAbsTol, kRelTol));
    simdnorm::TileParams large_blocks;
    large_blocks.block_elems = 1 << 24;
    large_blocks.chunk_elems = 1 << 30;
    ctx.set_tile_params(SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, cols,
                        &large_blocks);
    EXPECT_TRUE(AllClose(RunLayerNorm(ctx, x, rows, cols).data(), cols, ref,
                         rows, cols, kAbsTol, kRelTol));
  }
}

// With a fixed table, results are bit-identical for any thread count, also
// when one row is split across threads in chunks of a non-default size.
TEST(TuningTest, FixedTableGivesBitIdenticalResultsAcrossThreadCounts) {
  const int64_t cols = 200000;
  const std::vector<float> x = RandomNormal(cols, 3.0, 1.5, 11);
  for (const std::string& target : SupportedTargetNames()) {
    SCOPED_TRACE(target);
    simdnorm::TileParams split;
    split.chunk_elems = 12288;  // not a power of two, not the default
    split.split_elems = 16384;
    split.inline_bytes = 4096;
    std::vector<std::vector<float>> results;
    for (int threads : {1, 2, 8}) {
      simdnorm::Context ctx(threads, target.c_str());
      ctx.set_tile_params(SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, cols, &split);
      results.push_back(RunLayerNorm(ctx, x, 1, cols));
    }
    for (size_t i = 1; i < results.size(); ++i) {
      EXPECT_EQ(std::memcmp(results[0].data(), results[i].data(),
                            cols * sizeof(float)),
                0)
          << "thread count changed the result";
    }
  }
}

// The process default context reads SIMDNORM_TUNING once, at first use:
// checked in a child process (this binary again) with the variable set.

int RunChild(const std::string& tuning_path, const std::string& expect) {
  const std::string command =
      "env -u SIMDNORM_EXPECT_TARGETS -u SIMDNORM_TARGET SIMDNORM_TUNING='" +
      tuning_path + "' SIMDNORM_TUNING_CHILD_EXPECT=" + expect + " '" +
      SelfPath() + "' --gtest_filter=TuningEnvChild.* > /dev/null 2>&1";
  return std::system(command.c_str());
}

TEST(TuningTest, SimdnormTuningConfiguresTheDefaultContext) {
  if (SelfPath().empty()) GTEST_SKIP() << "no /proc/self/exe";
#ifdef SIMDNORM_TESTS_UNDER_EMULATOR
  GTEST_SKIP() << "the child would need the emulator too (checked natively)";
#endif
  const std::string good = TempPath("env_good");
  WriteText(good, SavedTable("env").dump(2));
  EXPECT_EQ(RunChild(good, "tuned"), 0);
  const std::string bad = TempPath("env_bad");
  WriteText(bad, "{\"format\": ");
  EXPECT_EQ(RunChild(bad, "error"), 0);
  // A hostile file must not crash a program that merely has it set.
  WriteText(bad, "{\"format_version\": " + std::string(200000, '[') +
                     std::string(200000, ']') + "}");
  EXPECT_EQ(RunChild(bad, "error"), 0);
  std::remove(good.c_str());
  std::remove(bad.c_str());
}

TEST(TuningEnvChild, DefaultContextFollowsSimdnormTuning) {
  const char* expect = std::getenv("SIMDNORM_TUNING_CHILD_EXPECT");
  if (expect == nullptr) GTEST_SKIP() << "runs as a child of another test";
  simdnorm_tile_params p;
  simdnorm_tile_params_init(&p);
  const simdnorm_status status = simdnorm_context_get_tile_params(
      nullptr, SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, kRowUnit, &p);
  ASSERT_EQ(status, SIMDNORM_OK) << simdnorm_last_error();
  const std::string warnings = simdnorm_context_tuning_warnings(nullptr);
  if (std::string(expect) == "tuned") {
    EXPECT_TRUE(SameParams(p, Tuned()));
    EXPECT_EQ(warnings, "");
  } else {
    // A file it cannot load leaves the built-in parameters, with a warning
    // for the caller to read; the context works.
    EXPECT_TRUE(SameParams(p, Defaults()));
    EXPECT_NE(warnings.find("SIMDNORM_TUNING: tuning file"), std::string::npos)
        << warnings;
    EXPECT_NE(warnings.find("built-in parameters"), std::string::npos)
        << warnings;
    EXPECT_EQ(std::string(simdnorm_context_warnings(nullptr)), warnings);
    EXPECT_EQ(std::string(simdnorm_context_target(nullptr)),
              simdnorm_best_target());
  }
}

// Run by ctest after the simdnorm-tune smoke run, on the file it wrote.
TEST(TuningToolOutput, LoadsAndAppliesItsEntries) {
  const char* path = std::getenv("SIMDNORM_TUNE_SMOKE_FILE");
  if (path == nullptr) GTEST_SKIP() << "SIMDNORM_TUNE_SMOKE_FILE is not set";
  simdnorm::Context ctx;
  ctx.load_tuning(path);
  EXPECT_EQ(ctx.tuning_warnings(), "");
  const json file = json::parse(ReadText(path));
  EXPECT_EQ(file["format_version"], 1);
  EXPECT_EQ(file["cpu"]["best_target"], simdnorm_best_target());
  const char* const kOps[] = {"layer_norm",           "rms_norm",
                              "group_norm",           "instance_norm",
                              "batch_norm_inference", "batch_norm_training"};
  for (const json& e : file["entries"]) {
    const auto op =
        std::find(std::begin(kOps), std::end(kOps), e["op"].get<std::string>());
    ASSERT_NE(op, std::end(kOps)) << e["op"];
    EXPECT_EQ(e["target"], ctx.target());
    const int bucket = e["bucket"];
    const simdnorm_tile_params p =
        Query(ctx, static_cast<simdnorm_op>(op - std::begin(kOps)),
              int64_t{1} << (2 * bucket),
              e["layout"] == "nhwc" ? SIMDNORM_NHWC : SIMDNORM_NCHW);
    EXPECT_EQ(p.block_elems, e["params"]["block_elems"].get<int64_t>());
    EXPECT_EQ(p.task_bytes, e["params"]["task_bytes"].get<int64_t>());
    EXPECT_GT(p.speedup, 1.0);
  }
}

}  // namespace
}  // namespace simdnorm_test
