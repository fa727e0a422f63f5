// Structure-aware tuning files: a valid file written by
// simdnorm_context_save_tuning (entries on every supported target) is
// edited as JSON by operations decoded from the input (replace, delete or
// add a field, duplicate or drop entries), then loaded. An independent
// reading of the documented format (lib/runtime/tuning_file.h) predicts
// whether the load succeeds and, if it does, the whole resulting table.
#include <strings.h>

#include <algorithm>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>

#include "fuzz_common.h"

namespace simdnorm_fuzz {
namespace {

using nlohmann::json;

const char* const kOpNames[] = {"layer_norm",    "rms_norm",
                                "group_norm",    "instance_norm",
                                "batch_norm_inference", "batch_norm_training"};

// The base file: two entries per supported target.
const json& BaseFile() {
  static const json base = [] {
    simdnorm_context* ctx = nullptr;
    if (simdnorm_context_create(&ctx) != SIMDNORM_OK) Die("context_create");
    const auto& targets = SupportedTargets();
    for (size_t t = 0; t < targets.size(); ++t) {
      if (simdnorm_context_set_target(ctx, targets[t].c_str()) != SIMDNORM_OK) {
        Die("set_target");
      }
      simdnorm_tile_params p;
      simdnorm_tile_params_init(&p);
      p.block_elems = 32 << t;
      p.chunk_elems = 2048;
      p.speedup = 1.25 + static_cast<double>(t);
      const int op = static_cast<int>(t % 6);
      if (simdnorm_context_set_tile_params(
              ctx, static_cast<simdnorm_op>(op), static_cast<simdnorm_layout>(t % 2),
              int64_t{1} << (2 * (t + 3)), &p) != SIMDNORM_OK) {
        Die(std::string("set_tile_params: ") + simdnorm_last_error());
      }
      p.spatial_tile = 5;
      p.speedup = 0.875;
      if (simdnorm_context_set_tile_params(ctx, SIMDNORM_OP_GROUP_NORM, SIMDNORM_NHWC,
                                           int64_t{1} << 20, &p) != SIMDNORM_OK) {
        Die(std::string("set_tile_params: ") + simdnorm_last_error());
      }
    }
    const std::string path = ScratchDir() + "/base.json";
    if (simdnorm_context_save_tuning(ctx, path.c_str()) != SIMDNORM_OK) {
      Die(std::string("save_tuning: ") + simdnorm_last_error());
    }
    simdnorm_context_destroy(ctx);
    return json::parse(ReadFile(path));
  }();
  return base;
}

std::string CollapseSpaces(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// ------------------------------------------------------------ edits

// A node of the document: from the root, each byte picks child
// (byte - 1) % size of the current object (keys in sorted order) or array;
// a 0 byte, a leaf or an empty container ends the walk.
json::json_pointer PickNode(ByteReader& in, const json& doc) {
  json::json_pointer at;
  const json* node = &doc;
  while ((node->is_object() || node->is_array()) && !node->empty()) {
    const uint8_t b = in.Byte();
    if (b == 0) break;
    const size_t child = (b - 1u) % node->size();
    if (node->is_array()) {
      at /= child;
      node = &(*node)[child];
    } else {
      auto it = node->begin();
      std::advance(it, static_cast<std::ptrdiff_t>(child));
      at /= it.key();
      node = &*it;
    }
  }
  return at;
}

json DecodeValue(ByteReader& in, const json& doc) {
  const uint8_t tag = in.Byte();
  switch (tag % 16) {
    case 0: return static_cast<int64_t>(in.Byte()) - 128;
    case 1: {
      const int64_t kValues[] = {
          0, 1, -1, 15, 16, 31, 32, 1023, 1024, 1025, 4095, 4096,
          int64_t{1} << 24, (int64_t{1} << 24) + 1, int64_t{1} << 30,
          (int64_t{1} << 30) + 1, int64_t{1} << 40, (int64_t{1} << 40) + 1,
          int64_t{1} << 50, (int64_t{1} << 50) + 1, INT64_MAX, INT64_MIN, 2, 1 << 20,
          (1 << 20) + 1};
      return kValues[in.Index(25)];
    }
    case 2: return in.Byte() % 2 ? UINT64_MAX : uint64_t{1} << 63;
    case 3: {
      const double kValues[] = {0.5,  1.0,  2.0,   1e6,    1000000.5, 1e-4, 4e-4,
                                6e-4, -1.0, 0.0,   1e300,  5e-324,    16.0, 1e6 - 1e-3,
                                2048.0, 1.0005};
      return kValues[in.Index(16)];
    }
    case 4: {
      const size_t i = in.Index(8);
      return i < 6 ? std::string(kOpNames[i]) : i == 6 ? "LayerNorm" : "";
    }
    case 5: {
      const char* kValues[] = {"nchw", "nhwc", "NCHW", "f32", "bf16", "f16", "", " nchw"};
      return kValues[in.Index(8)];
    }
    case 6: {
      const auto& targets = SupportedTargets();
      const size_t i = in.Index(targets.size() + 6);
      if (i < targets.size()) return targets[i];
      const char* kOthers[] = {"SCALAR", "AVX3_DL", "NEON", "avx2", "EMU128 ", "avx512"};
      return kOthers[i - targets.size()];
    }
    case 7: {
      const char* kValues[] = {"simdnorm-tuning", "simdnorm-tuning ", "", "0.1.0",
                               "0.2.0", "2024-01-01T00:00:00Z"};
      return kValues[in.Index(6)];
    }
    case 8: return in.Byte() % 2 == 1;
    case 9: return nullptr;
    case 10: return in.Byte() % 2 ? json::array() : json::array({1, 2});
    case 11: return in.Byte() % 2 ? json::object() : json{{"block_elems", 64}};
    case 12: {
      std::string s;
      for (size_t n = in.Index(12); n > 0; --n) s += static_cast<char>(in.Byte());
      return s;
    }
    case 13: return static_cast<int64_t>(in.U64());
    case 14: {  // a model name with other spacing
      const std::string model = doc.contains("cpu") && doc["cpu"].is_object() &&
                                        doc["cpu"].contains("model") &&
                                        doc["cpu"]["model"].is_string()
                                    ? doc["cpu"]["model"].get<std::string>()
                                    : std::string("x");
      return in.Byte() % 2 ? "  " + model + "\t" : model + " other";
    }
    default:
      return doc.at(PickNode(in, doc));
  }
}

std::string DecodeKey(ByteReader& in) {
  const char* kKeys[] = {"format", "format_version", "library_version", "created",
                         "cpu", "model", "threads", "entries", "op", "layout",
                         "dtype", "target", "bucket", "params", "speedup",
                         "block_elems", "chunk_elems", "task_bytes",
                         "inline_bytes", "split_elems", "spatial_tile",
                         "stream_bytes", "unknown", ""};
  const size_t i = in.Index(25);
  if (i < 24) return kKeys[i];
  std::string s;
  for (size_t n = in.Index(8); n > 0; --n) s += static_cast<char>(in.Byte());
  return s;
}

// One edit: [kind % 6] [node path, see PickNode] [operands]. Kinds: 0, 1
// replace the node by a decoded value; 2 delete it; 3 add a decoded key
// and value to an object; 4 append a copy of an element to an array (to
// entries if the node is no array); 5 nudge a number.
void ApplyEdit(ByteReader& in, json& doc, std::string* log) {
  const uint8_t kind = in.Byte() % 6;
  const json::json_pointer at = PickNode(in, doc);
  *log += " " + Str(int64_t{kind}) + "@" + at.to_string();
  json& node = doc.at(at);
  switch (kind) {
    case 0: case 1:
      node = DecodeValue(in, doc);
      break;
    case 2:  // delete
      if (at.empty()) {
        doc = nullptr;
      } else {
        json& parent = doc.at(at.parent_pointer());
        if (parent.is_object()) {
          parent.erase(at.back());
        } else if (parent.is_array()) {
          parent.erase(static_cast<size_t>(std::stoul(at.back())));
        }
      }
      break;
    case 3:  // add a key
      if (node.is_object()) node[DecodeKey(in)] = DecodeValue(in, doc);
      break;
    case 4:  // duplicate an array element (entries, mostly)
      if (node.is_array() && !node.empty()) {
        const json copy = node[in.Index(node.size())];
        node.push_back(copy);
      } else if (doc.is_object() && doc.contains("entries") && doc["entries"].is_array() &&
                 !doc["entries"].empty()) {
        json& entries = doc["entries"];
        const json copy = entries[in.Index(entries.size())];
        entries.push_back(copy);
      }
      break;
    default:  // nudge a number
      if (node.is_number_integer() &&
          (!node.is_number_unsigned() ||
           node.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX))) {
        const int64_t v = node.get<int64_t>();
        const int64_t d = static_cast<int64_t>(in.Byte()) - 128;
        node = static_cast<int64_t>(static_cast<uint64_t>(v) + static_cast<uint64_t>(d));
      } else if (node.is_number()) {
        node = node.get<double>() * (in.Byte() % 2 ? 1000.0 : 0.001);
      }
      break;
  }
}

// ------------------------------------------------- the format's model

using Key = std::tuple<int, int, int, int>;  // target index, op, layout, bucket

struct Prediction {
  std::string invalid;  // why the load must fail
  std::string either;   // why the header leaves the outcome open
  std::map<Key, simdnorm_tile_params> table;
  bool skipped = false;  // some entry does not apply here
};

bool IntegerIn(const json& v, int64_t min, int64_t max) {
  if (!v.is_number_integer()) return false;
  if (v.is_number_unsigned()) {
    return v.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX) &&
           v.get<int64_t>() >= min && v.get<int64_t>() <= max;
  }
  return v.get<int64_t>() >= min && v.get<int64_t>() <= max;
}

// Levels of arrays and objects in v (0 for a scalar).
int Nesting(const json& v) {
  int deepest = 0;
  if (v.is_structured()) {
    for (const json& child : v) deepest = std::max(deepest, Nesting(child));
    ++deepest;
  }
  return deepest;
}

Prediction Predict(const json& root) {
  Prediction p;
  const auto invalid = [&](const std::string& why) {
    if (p.invalid.empty()) p.invalid = why;
  };
  // The documented cap (lib/runtime/tuning_file.h): edits that copy the
  // file into itself reach it.
  constexpr int kMaxNesting = 16;
  if (Nesting(root) > kMaxNesting) {
    invalid("nested deeper than 16");
    return p;
  }
  if (!root.is_object()) {
    invalid("not an object");
    return p;
  }
  const auto string_member = [&](const json& object, const char* key,
                                 const std::string& where) -> const json* {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string()) {
      invalid(where + key + " missing or not a string");
      return nullptr;
    }
    return &*it;
  };
  const json* format = string_member(root, "format", "");
  if (format && *format != "simdnorm-tuning") invalid("format name");
  const auto version = root.find("format_version");
  if (version == root.end() || !IntegerIn(*version, 1, 1)) invalid("format_version");
  string_member(root, "library_version", "");
  string_member(root, "created", "");
  const auto cpu = root.find("cpu");
  std::string model;
  if (cpu == root.end() || !cpu->is_object()) {
    invalid("cpu");
  } else if (const json* m = string_member(*cpu, "model", "cpu.")) {
    model = m->get<std::string>();
  }
  const auto threads = root.find("threads");
  if (threads != root.end() && !IntegerIn(*threads, 0, SIMDNORM_MAX_THREADS)) {
    // Informational: the format does not bound it.
    if (threads->is_number_integer()) p.either = "threads out of range";
    else invalid("threads is not an integer");
  }
  const auto entries = root.find("entries");
  if (entries == root.end() || !entries->is_array()) {
    invalid("entries");
    return p;
  }
  const std::string here = CollapseSpaces(BaseFile()["cpu"]["model"].get<std::string>());
  const bool this_cpu = CollapseSpaces(model) == here;
  const auto& targets = SupportedTargets();
  for (const json& e : *entries) {
    if (!e.is_object()) {
      invalid("entry is not an object");
      continue;
    }
    const json* op = string_member(e, "op", "entry.");
    const json* layout = string_member(e, "layout", "entry.");
    const json* target = string_member(e, "target", "entry.");
    const auto dtype = e.find("dtype");
    if (dtype != e.end() && !dtype->is_string()) invalid("dtype is not a string");
    const auto bucket = e.find("bucket");
    if (bucket == e.end() || !IntegerIn(*bucket, 0, 31)) invalid("bucket");
    const auto params = e.find("params");
    simdnorm_tile_params tile;
    simdnorm_tile_params_init(&tile);
    if (params == e.end() || !params->is_object()) {
      invalid("params");
    } else {
      for (const TileFieldInfo& f : kTileFields) {
        const auto v = params->find(f.name);
        if (v == params->end()) continue;
        if (!IntegerIn(*v, f.min, f.max)) {
          invalid(std::string("params.") + f.name);
        } else {
          tile.*f.field = v->get<int64_t>();
        }
      }
    }
    const auto speedup = e.find("speedup");
    if (speedup != e.end()) {
      if (!speedup->is_number()) {
        invalid("speedup is not a number");
      } else {
        tile.speedup = speedup->get<double>();
        // Only reported: the format does not bound it.
        if (!(tile.speedup > 0.0 && tile.speedup <= 1e6)) p.either = "speedup range";
      }
    }
    if (!p.invalid.empty()) continue;
    // Well-formed: does it apply on this CPU?
    int op_index = -1;
    for (int i = 0; i < 6; ++i) {
      if (*op == kOpNames[i]) op_index = i;
    }
    const int layout_index = *layout == "nchw" ? 0 : *layout == "nhwc" ? 1 : -1;
    const std::string dtype_name = dtype == e.end() ? "f32" : dtype->get<std::string>();
    const bool storage_type =
        dtype_name == "f32" || dtype_name == "bf16" || dtype_name == "f16";
    // Target names match in any case; "AVX512" names AVX3.
    const std::string name = target->get<std::string>();
    const auto t = std::find_if(targets.begin(), targets.end(), [&](const std::string& n) {
      return strcasecmp(n.c_str(), name.c_str()) == 0 ||
             (n == "AVX3" && strcasecmp(name.c_str(), "AVX512") == 0);
    });
    if (!this_cpu || op_index < 0 || layout_index < 0 || !storage_type ||
        t == targets.end()) {
      p.skipped = true;
      continue;
    }
    if (dtype_name != "f32") continue;  // loaded; the snapshot reads fp32 entries
    p.table[Key(static_cast<int>(t - targets.begin()), op_index, layout_index,
                bucket->get<int>())] = tile;  // a later duplicate wins
  }
  return p;
}

TableSnapshot Expected(const Prediction& p) {
  simdnorm_tile_params defaults;
  simdnorm_tile_params_init(&defaults);
  TableSnapshot out(SupportedTargets().size() * 6 * 2 * kBuckets, defaults);
  for (const auto& [key, tile] : p.table) {
    const auto [t, op, layout, bucket] = key;
    out[SnapshotIndex(t, op, layout, bucket)] = tile;
  }
  return out;
}

void FuzzOne(const uint8_t* data, size_t size) {
  ByteReader in(data, size);
  json doc = BaseFile();
  std::string log;
  const int indent = static_cast<int>(in.Byte() % 4) - 1;
  for (int edits = 0; edits < 12 && in.remaining() > 0; ++edits) {
    ApplyEdit(in, doc, &log);
  }
  const std::string text =
      doc.dump(indent, ' ', false, json::error_handler_t::replace);
  if (text.size() > (1 << 18)) return;  // copies of copies of the file
  SetCaseDescription("edits:" + log + "\nfile:\n" + text.substr(0, 4000));
  // Predict from what the library will read (dump replaced bad UTF-8).
  const Prediction p = Predict(json::parse(text));
  const std::string path = ScratchDir() + "/edited.json";
  WriteFile(path, text);

  simdnorm_context* ctx = nullptr;
  if (simdnorm_context_create(&ctx) != SIMDNORM_OK) Die("context_create");
  simdnorm_tile_params known;
  simdnorm_tile_params_init(&known);
  known.split_elems = 4096;
  if (simdnorm_context_set_tile_params(ctx, SIMDNORM_OP_RMS_NORM, SIMDNORM_NCHW, 4096,
                                       &known) != SIMDNORM_OK) {
    Die("set_tile_params");
  }
  Prediction known_table;
  known_table.table[Key(DefaultTargetIndex(), SIMDNORM_OP_RMS_NORM, SIMDNORM_NCHW, 6)] =
      known;
  ArmLastError();
  const simdnorm_status status = simdnorm_context_load_tuning(ctx, path.c_str());
  CountOutcome(!p.invalid.empty()  ? "predicted invalid"
               : !p.either.empty() ? "predicted open"
               : p.table.empty()   ? "predicted valid, empty table"
                                   : "predicted valid with entries");
  if (!p.invalid.empty()) {
    FUZZ_CHECK(status == SIMDNORM_TUNING_ERROR,
               "a file that breaks the format (" + p.invalid + ") gave status " +
                   Str(int64_t{status}));
  } else if (p.either.empty()) {
    FUZZ_CHECK(status == SIMDNORM_OK, "a well-formed file failed to load: " +
                                          std::string(simdnorm_last_error()));
  }
  if (status != SIMDNORM_OK) {
    FUZZ_CHECK(status == SIMDNORM_TUNING_ERROR, "load_tuning gave status " +
                                                    Str(int64_t{status}));
    FUZZ_CHECK(!LastErrorIsArmed() && simdnorm_last_error()[0] != '\0',
               "a failed load recorded no message");
    CompareTables(SnapshotTable(ctx), Expected(known_table), 0.0,
                  "a failed load changed the table");
    simdnorm_context_destroy(ctx);
    return;
  }
  FUZZ_CHECK(LastErrorIsArmed(), "a successful load changed the last error");
  const TableSnapshot loaded = SnapshotTable(ctx);
  if (p.either.empty()) {
    CompareTables(loaded, Expected(p), 0.0, "the loaded table");
    FUZZ_CHECK(!p.skipped || simdnorm_context_tuning_warnings(ctx)[0] != '\0',
               "entries were skipped without a warning");
  }
  // And it saves to a file that loads back to the same table.
  const std::string saved = ScratchDir() + "/edited-saved.json";
  if (simdnorm_context_save_tuning(ctx, saved.c_str()) != SIMDNORM_OK) {
    Die(std::string("cannot save a loaded table: ") + simdnorm_last_error());
  }
  simdnorm_context* again = nullptr;
  if (simdnorm_context_create(&again) != SIMDNORM_OK) Die("context_create");
  if (simdnorm_context_load_tuning(again, saved.c_str()) != SIMDNORM_OK) {
    Die(std::string("a saved table does not load: ") + simdnorm_last_error() +
        "\nsaved file:\n" + ReadFile(saved));
  }
  CompareTables(SnapshotTable(again), loaded, 5.0001e-4,
                "after save + load of a loaded table");
  simdnorm_context_destroy(again);
  simdnorm_context_destroy(ctx);
}

}  // namespace
}  // namespace simdnorm_fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  simdnorm_fuzz::FuzzOne(data, size);
  return 0;
}
