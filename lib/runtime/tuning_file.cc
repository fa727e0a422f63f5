#include "runtime/tuning_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "api/error.h"
#include "common/storage.h"
#include "runtime/context.h"
#include "runtime/targets.h"
#include "runtime/tuning.h"

namespace simdnorm::internal {
namespace {

using nlohmann::json;

constexpr const char* kFormatName = "simdnorm-tuning";
// Far above any real table (ops x layouts x targets x buckets is ~3000):
// bigger inputs are not tuning files and are refused before parsing.
constexpr size_t kMaxFileBytes = 16 << 20;
constexpr size_t kMaxEntries = 65536;
// A tuning file nests 4 deep (root, entries, entry, params); deeper input
// is refused before parsing, so that nothing recurses over it.
constexpr int kMaxNesting = 16;

// Thrown while checking a file; the loader turns it into
// SIMDNORM_TUNING_ERROR before anything is replaced.
struct FormatError {
  std::string message;
};

[[noreturn]] void Reject(const std::string& where, const std::string& what) {
  throw FormatError{where.empty() ? what : where + ": " + what};
}

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

// What a JSON value is, for messages ("got a string").
std::string Describe(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    case json::value_t::number_float:
      return "the number " + v.dump();
    default:
      return "the number " + v.dump();
  }
}

const json& Member(const json& object, const char* key,
                   const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end()) Reject(where, std::string("missing \"") + key + "\"");
  return *it;
}

std::string Field(const std::string& where, const char* key) {
  return where.empty() ? key : where + "." + key;
}

std::string StringValue(const json& v, const std::string& where) {
  if (!v.is_string()) Reject(where, "expected a string, got " + Describe(v));
  return v.get<std::string>();
}

int64_t IntegerIn(const json& v, const std::string& where, int64_t min,
                  int64_t max) {
  // Integers beyond 64 bits arrive as floats: "not an integer" covers them.
  if (!v.is_number_integer()) {
    Reject(where, "expected an integer, got " + Describe(v));
  }
  const bool too_big =
      v.is_number_unsigned() &&
      v.get<uint64_t>() >
          static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  const int64_t value = too_big ? 0 : v.get<int64_t>();
  if (too_big || value < min || value > max) {
    char range[96];
    std::snprintf(range, sizeof(range),
                  " must be in [%" PRId64 ", %" PRId64 "]", min, max);
    Reject(where, "value " + v.dump() + range);
  }
  return value;
}

const json& ObjectMember(const json& object, const char* key,
                         const std::string& where) {
  const json& v = Member(object, key, where);
  if (!v.is_object()) {
    Reject(Field(where, key), "expected an object, got " + Describe(v));
  }
  return v;
}

std::string CollapseSpaces(const std::string& s) {
  std::string out;
  for (char c : s) {
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (space) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string ReadCpuModel() {
  std::ifstream in("/proc/cpuinfo");
  if (!in) return "unknown";
  // Field names by architecture, most specific first (x86 and most others,
  // MIPS, Raspberry Pi boards, PowerPC).
  const char* const kKeys[] = {"model name", "cpu model", "Model", "cpu"};
  std::map<std::string, std::string> fields;
  std::string line;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = CollapseSpaces(line.substr(0, colon));
    if (fields.count(key) == 0) {
      fields[key] = CollapseSpaces(line.substr(colon + 1));
    }
  }
  for (const char* key : kKeys) {
    const auto it = fields.find(key);
    if (it != fields.end() && !it->second.empty()) return it->second;
  }
  // Arm cores name themselves only by implementer and part number.
  const auto implementer = fields.find("CPU implementer");
  const auto part = fields.find("CPU part");
  if (implementer != fields.end() && part != fields.end()) {
    return "implementer " + implementer->second + " part " + part->second;
  }
  return "unknown";
}

std::string UtcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

const char* LayoutName(simdnorm_layout layout) {
  return layout == SIMDNORM_NHWC ? "nhwc" : "nchw";
}

// The storage type named `name` in a tuning file; false if none is.
bool StorageFromName(const std::string& name, simdnorm_dtype* dtype) {
  for (int d = 0; d < kStorageTypes; ++d) {
    if (name == StorageName(d)) {
      *dtype = static_cast<simdnorm_dtype>(d);
      return true;
    }
  }
  return false;
}

// One entry as read, before deciding whether it applies here.
struct ParsedEntry {
  std::string op_name;
  std::string layout_name;
  std::string dtype;
  std::string target_name;
  TuningEntry entry{};
};

ParsedEntry ParseEntry(const json& e, const std::string& where,
                       std::vector<std::string>* warnings) {
  if (!e.is_object()) Reject(where, "expected an object, got " + Describe(e));
  ParsedEntry p;
  p.op_name = StringValue(Member(e, "op", where), Field(where, "op"));
  p.layout_name =
      StringValue(Member(e, "layout", where), Field(where, "layout"));
  p.dtype = e.contains("dtype") ? StringValue(e["dtype"], Field(where, "dtype"))
                                : "f32";
  p.target_name =
      StringValue(Member(e, "target", where), Field(where, "target"));
  p.entry.bucket = static_cast<int>(IntegerIn(
      Member(e, "bucket", where), Field(where, "bucket"), 0, kMaxShapeBucket));

  const std::string params_where = Field(where, "params");
  const json& params = ObjectMember(e, "params", where);
  p.entry.params = DefaultTileParams();
  for (const TileParamField& f : kTileParamFields) {
    const auto it = params.find(f.name);
    if (it == params.end()) continue;
    p.entry.params.*f.field =
        IntegerIn(*it, Field(params_where, f.name), f.min, f.max);
  }
  for (const auto& item : params.items()) {
    const bool known = std::any_of(
        std::begin(kTileParamFields), std::end(kTileParamFields),
        [&](const TileParamField& f) { return item.key() == f.name; });
    if (!known) {
      warnings->push_back(params_where + ": unknown parameter " +
                          Quoted(item.key()) + " ignored");
    }
  }

  p.entry.speedup = 1.0;
  if (e.contains("speedup")) {
    const json& s = e["speedup"];
    if (!s.is_number()) {
      Reject(Field(where, "speedup"), "expected a number, got " + Describe(s));
    }
    const double speedup = s.get<double>();
    if (!(speedup > 0.0 && speedup <= kMaxSpeedup)) {
      Reject(Field(where, "speedup"),
             "value " + s.dump() + " must be in (0, 1e6]");
    }
    p.entry.speedup = speedup;
  }
  return p;
}

struct LoadResult {
  TuningTable table;
  std::string warnings;  // one reason per line
};

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

// `threads`: the concurrency of the context the table is for.
LoadResult ParseTuning(const json& root, int threads) {
  if (!root.is_object()) {
    Reject("", "expected a JSON object at the top, got " + Describe(root));
  }
  const std::string format = StringValue(Member(root, "format", ""), "format");
  if (format != kFormatName) {
    Reject("format", Quoted(format) + " is not " + Quoted(kFormatName));
  }
  const json& version = Member(root, "format_version", "");
  if (!version.is_number_integer() ||
      version.get<int64_t>() != kTuningFormatVersion) {
    // Never dump an arbitrary value: it may be huge or deep.
    Reject("format_version", "unknown version " +
                                 (version.is_number() ? version.dump()
                                                      : Describe(version)) +
                                 " (this library reads version " +
                                 std::to_string(kTuningFormatVersion) + ")");
  }
  const std::string library_version =
      StringValue(Member(root, "library_version", ""), "library_version");
  StringValue(Member(root, "created", ""), "created");
  const json& cpu = ObjectMember(root, "cpu", "");
  const std::string file_cpu =
      CollapseSpaces(StringValue(Member(cpu, "model", "cpu"), "cpu.model"));
  const int64_t file_threads =
      root.contains("threads")
          ? IntegerIn(root["threads"], "threads", 0, SIMDNORM_MAX_THREADS)
          : 0;
  const json& entries = Member(root, "entries", "");
  if (!entries.is_array()) {
    Reject("entries", "expected an array, got " + Describe(entries));
  }
  if (entries.size() > kMaxEntries) {
    Reject("entries", std::to_string(entries.size()) +
                          " entries, more than a tuning file can have (" +
                          std::to_string(kMaxEntries) + ")");
  }

  std::vector<std::string> warnings;
  std::vector<ParsedEntry> parsed;
  parsed.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    parsed.push_back(ParseEntry(
        entries[i], "entries[" + std::to_string(i) + "]", &warnings));
  }

  // Everything is well-formed: now decide which entries apply here.
  LoadResult result;
  if (library_version != SIMDNORM_VERSION_STRING) {
    warnings.push_back("written by simdnorm " + library_version + ", this is " +
                       SIMDNORM_VERSION_STRING +
                       ": its parameters are used as they are");
  }
  if (file_cpu != CpuModel()) {
    if (!parsed.empty()) {
      warnings.push_back("tuned on CPU " + Quoted(file_cpu) + ", this is " +
                         Quoted(CpuModel()) + ": all " +
                         std::to_string(parsed.size()) +
                         " entries ignored (run simdnorm-tune here)");
    }
    result.warnings = JoinLines(warnings);
    return result;
  }
  if (file_threads != 0 && file_threads != threads && !parsed.empty()) {
    warnings.push_back("tuned with " + std::to_string(file_threads) +
                       " threads, this context runs " +
                       std::to_string(threads) +
                       ": its parameters are used as they are (run "
                       "simdnorm-tune --threads " +
                       std::to_string(threads) + " for this setting)");
  }
  std::map<std::string, int> skipped_by_target;
  for (size_t i = 0; i < parsed.size(); ++i) {
    const ParsedEntry& p = parsed[i];
    const std::string where = "entries[" + std::to_string(i) + "]";
    TuningEntry entry = p.entry;
    if (!OpKindFromName(p.op_name, &entry.op)) {
      warnings.push_back(where + ": unknown op " + Quoted(p.op_name) +
                         " ignored");
      continue;
    }
    if (p.layout_name == "nchw" || p.layout_name == "nhwc") {
      entry.layout = p.layout_name == "nhwc" ? SIMDNORM_NHWC : SIMDNORM_NCHW;
    } else {
      warnings.push_back(where + ": unknown layout " + Quoted(p.layout_name) +
                         " ignored");
      continue;
    }
    if (!StorageFromName(p.dtype, &entry.dtype)) {
      warnings.push_back(where + ": dtype " + Quoted(p.dtype) +
                         " is not supported by this build, ignored");
      continue;
    }
    entry.target = TargetFromName(p.target_name.c_str());
    if (entry.target == 0 || (SupportedTargets() & entry.target) == 0) {
      ++skipped_by_target[p.target_name];
      continue;
    }
    if (result.table.Find(entry.op, entry.layout, entry.dtype, entry.target,
                          entry.bucket) != nullptr) {
      warnings.push_back(where +
                         ": same op, layout, dtype, target and bucket as an "
                         "earlier entry; this one is used");
    }
    result.table.Set(entry);
  }
  for (const auto& [name, count] : skipped_by_target) {
    const int64_t target = TargetFromName(name.c_str());
    warnings.push_back(
        std::to_string(count) + (count == 1 ? " entry" : " entries") +
        " for target " + name + " ignored: " +
        (target == 0 ? "not compiled into this build (compiled: " +
                           TargetList(CompiledTargets()) + ")"
                     : "this CPU cannot run it (supported: " +
                           TargetList(SupportedTargets()) + ")"));
  }
  result.warnings = JoinLines(warnings);
  return result;
}

std::string TooLarge() {
  return "larger than a tuning file can be (" +
         std::to_string(kMaxFileBytes >> 20) + " MiB)";
}

// The file's text, or a FormatError saying why it cannot be read. Reads
// at most kMaxFileBytes + 1 bytes, so devices and pipes are safe too.
std::string ReadSmallFile(const char* path) {
  struct stat info;
  if (::stat(path, &info) == 0 && S_ISDIR(info.st_mode)) {
    Reject("", "is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) Reject("", std::string("cannot open: ") + std::strerror(errno));
  std::string text;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) Reject("", TooLarge());
  }
  if (in.bad()) Reject("", "read error");
  return text;
}

// Refuses text whose arrays and objects nest deeper than kMaxNesting (a
// linear scan that skips strings).
void CheckNesting(std::string_view text) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxNesting) {
        Reject("", "arrays and objects nested more than " +
                       std::to_string(kMaxNesting) +
                       " deep (a tuning file nests 4 deep)");
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

// nlohmann's messages start with "[json.exception.parse_error.101] ".
std::string WithoutExceptionTag(const char* what) {
  const char* end = std::strstr(what, "] ");
  return end != nullptr && what[0] == '[' ? std::string(end + 2) : what;
}

}  // namespace

const std::string& CpuModel() {
  static const std::string model = ReadCpuModel();
  return model;
}

namespace {

// Checks and parses a tuning file's text (at most kMaxFileBytes) for ctx.
LoadResult ParseText(std::string_view text, const simdnorm_context& ctx) {
  CheckNesting(text);
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    Reject("", "not valid JSON (" + WithoutExceptionTag(e.what()) + ")");
  }
  return ParseTuning(root, ctx.concurrency);
}

// read() gives the text or throws FormatError; `source` names it in
// messages ("tuning file x.json").
template <class Read>
simdnorm_status Load(const char* function, const std::string& source,
                     const Read& read, simdnorm_context* ctx) {
  LoadResult result;
  try {
    result = read();
  } catch (const FormatError& e) {
    return Fail(SIMDNORM_TUNING_ERROR, "%s: %s: %s", function, source.c_str(),
                e.message.c_str());
  }
  ctx->tuning = std::move(result.table);
  SetWarnings(ctx, &simdnorm_context::tuning_warnings,
              std::move(result.warnings));
  return SIMDNORM_OK;
}

}  // namespace

simdnorm_status LoadTuningFile(const char* function, const char* path,
                               simdnorm_context* ctx) {
  return Load(
      function, std::string("tuning file ") + path,
      [&] { return ParseText(ReadSmallFile(path), *ctx); }, ctx);
}

simdnorm_status LoadTuningText(const char* function, const char* data,
                               size_t size, simdnorm_context* ctx) {
  return Load(
      function, "tuning data (" + std::to_string(size) + " bytes)",
      [&] {
        if (size > kMaxFileBytes) Reject("", TooLarge());
        return ParseText(std::string_view(data, size), *ctx);
      },
      ctx);
}

simdnorm_status SaveTuningFile(const char* function, const char* path,
                               const simdnorm_context& ctx) {
  std::vector<TuningEntry> entries = ctx.tuning.entries();
  std::sort(entries.begin(), entries.end(),
            [](const TuningEntry& a, const TuningEntry& b) {
              // A stable order, so that files diff well; within an op and
              // layout the best target (lowest bit) comes first.
              return std::make_tuple(static_cast<int>(a.op), a.layout,
                                     a.dtype, a.target, a.bucket) <
                     std::make_tuple(static_cast<int>(b.op), b.layout,
                                     b.dtype, b.target, b.bucket);
            });
  nlohmann::ordered_json root;
  root["format"] = kFormatName;
  root["format_version"] = kTuningFormatVersion;
  root["library_version"] = SIMDNORM_VERSION_STRING;
  root["created"] = UtcNow();
  root["cpu"]["model"] = CpuModel();
  root["cpu"]["targets"] = TargetList(SupportedTargets());
  root["cpu"]["best_target"] = TargetName(BestTarget());
  root["threads"] = ctx.concurrency;
  root["entries"] = nlohmann::ordered_json::array();
  for (const TuningEntry& e : entries) {
    nlohmann::ordered_json item;
    item["op"] = OpKindName(e.op);
    item["layout"] = LayoutName(e.layout);
    item["dtype"] = StorageName(e.dtype);
    item["target"] = TargetName(e.target);
    item["bucket"] = e.bucket;
    for (const TileParamField& f : kTileParamFields) {
      item["params"][f.name] = e.params.*f.field;
    }
    // Rounded to 3 decimals, since the file is read by people too; but a
    // speedup that would round to 0 is kept as it is, as 0 does not load.
    const double rounded = std::round(e.speedup * 1000.0) / 1000.0;
    item["speedup"] = rounded > 0.0 ? rounded : e.speedup;
    root["entries"].push_back(std::move(item));
  }

  const std::string temporary =
      std::string(path) + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << root.dump(2) << '\n';
    out.close();
    if (!out) {
      const int error = errno;
      std::remove(temporary.c_str());
      return Fail(SIMDNORM_TUNING_ERROR, "%s: cannot write tuning file %s: %s",
                  function, path, std::strerror(error));
    }
  }
  if (std::rename(temporary.c_str(), path) != 0) {
    const int error = errno;
    std::remove(temporary.c_str());
    return Fail(SIMDNORM_TUNING_ERROR, "%s: cannot write tuning file %s: %s",
                function, path, std::strerror(error));
  }
  return SIMDNORM_OK;
}

}  // namespace simdnorm::internal
