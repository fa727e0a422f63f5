#include "fuzz_common.h"

#include <algorithm>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <tuple>

namespace simdnorm_fuzz {
namespace {

std::string& CaseDescription() {
  static std::string text;
  return text;
}

int64_t Saturate(__int128 v) {
  if (v > INT64_MAX) return INT64_MAX;
  if (v < INT64_MIN) return INT64_MIN;
  return static_cast<int64_t>(v);
}


}  // namespace

void CountOutcome(const char* outcome, const std::string& kind) {
  static std::map<std::string, int64_t>* const counts = [] {
    auto* c = new std::map<std::string, int64_t>;
    if (std::getenv("SIMDNORM_FUZZ_STATS") != nullptr) {
      static std::map<std::string, int64_t>* printed = c;
      std::atexit([] {
        for (const auto& [name, n] : *printed) {
          std::fprintf(stderr, "outcome %-28s %lld\n", name.c_str(),
                       static_cast<long long>(n));
        }
      });
    }
    return c;
  }();
  const std::string detailed = kind.empty() ? outcome : outcome + (" | " + kind);
  ++(*counts)[outcome];
  if (!kind.empty()) ++(*counts)[detailed];
  static const bool verbose = std::getenv("SIMDNORM_FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    std::fprintf(stderr, "%s\n  -> %s\n", CaseDescription().c_str(), detailed.c_str());
  }
}

void Die(const std::string& message) {
  std::fprintf(stderr, "\nsimdnorm fuzz: %s\n", message.c_str());
  if (!CaseDescription().empty()) {
    std::fprintf(stderr, "case: %s\n", CaseDescription().c_str());
  }
  std::fflush(stderr);
  __builtin_trap();
}

void SetCaseDescription(std::string description) {
  CaseDescription() = std::move(description);
}

void AppendCaseDescription(const std::string& text) {
  CaseDescription() += text;
}

std::string Str(int64_t v) { return std::to_string(v); }
std::string Str(double v) {
  char text[40];
  std::snprintf(text, sizeof(text), "%.9g", v);
  return text;
}

uint16_t ByteReader::U16() {
  const uint16_t lo = Byte();
  return static_cast<uint16_t>(lo | (Byte() << 8));
}
uint32_t ByteReader::U32() {
  const uint32_t lo = U16();
  return lo | (static_cast<uint32_t>(U16()) << 16);
}
uint64_t ByteReader::U64() {
  const uint64_t lo = U32();
  return lo | (static_cast<uint64_t>(U32()) << 32);
}

// ---------------------------------------------------------------- decoding

int64_t DecodeCount(ByteReader& in, int64_t small_max, int64_t medium_max) {
  const uint8_t tag = in.Byte();
  if (tag < 176) return tag % (small_max + 1);
  if (tag < 208) return in.U32() % static_cast<uint64_t>(medium_max + 1);
  if (tag < 232) {
    static const int64_t kSpecial[] = {
        -1, 0, 1, INT64_MIN, INT64_MAX, INT32_MAX, int64_t{1} << 32,
        int64_t{1} << 40, int64_t{1} << 60, int64_t{1} << 61, -(int64_t{1} << 40),
        int64_t{1} << 31};
    return kSpecial[tag % (sizeof(kSpecial) / sizeof(kSpecial[0]))];
  }
  return static_cast<int64_t>(in.U64());
}

int64_t DecodeStride(ByteReader& in, int64_t cols) {
  const uint8_t tag = in.Byte();
  const __int128 c = cols;
  if (tag < 128) return 0;
  if (tag < 176) return Saturate(c + tag % 6);
  if (tag < 192) return Saturate(c * (2 + tag % 3));
  if (tag < 208) return Saturate(c - 1 - tag % 2);
  if (tag < 232) {
    const int64_t kSpecial[] = {-1, Saturate(-c), INT64_MAX, INT64_MIN,
                                INT64_MAX / 2, int64_t{1} << 40,
                                int64_t{1} << 61, (int64_t{1} << 60) + 1, 1};
    return kSpecial[tag % (sizeof(kSpecial) / sizeof(kSpecial[0]))];
  }
  return static_cast<int64_t>(in.U64());
}

float DecodeEps(ByteReader& in, float usual) {
  const uint8_t tag = in.Byte();
  if (tag < 192) return usual;
  switch ((tag - 192) % 14) {
    case 0: return 0.0f;
    case 1: return -0.0f;
    case 2: return FloatFromBits(1);  // smallest denormal
    case 3: return 1e-30f;
    case 4: return 1.0f;
    case 5: return 1e30f;
    case 6: return FLT_MAX;
    case 7: return FloatFromBits(0x7fc00000u);
    case 8: return FloatFromBits(0xffc00001u);
    case 9: return INFINITY;
    case 10: return -INFINITY;
    case 11: return -1e-5f;
    case 12: return -FLT_MIN;
    default: return FloatFromBits(in.U32());
  }
}

int DecodeEnum(ByteReader& in, int count, int usual_weight) {
  const uint8_t tag = in.Byte();
  if (tag < usual_weight) return tag % count;
  const int kSpecial[] = {count, -1, INT_MIN, INT_MAX, 256, count + 1, 1 << 16};
  return kSpecial[tag % (sizeof(kSpecial) / sizeof(kSpecial[0]))];
}

size_t DecodeArgsSize(ByteReader& in, size_t newest, size_t oldest) {
  const uint8_t tag = in.Byte();
  if (tag < 216) return newest;
  if (tag < 232) {  // a version's size: each group of appended fields
    return oldest + 8 * (tag % ((newest - oldest) / 8 + 1));
  }
  const size_t kSizes[] = {oldest,     oldest + 4, oldest + 8, oldest - 8,
                           oldest - 1, newest + 8, newest - 1, 0,
                           SIZE_MAX,   newest + 1, newest / 2, 8};
  return kSizes[tag % 12];
}

Reach FieldReach(size_t struct_size, size_t offset, size_t bytes) {
  if (offset + bytes <= struct_size / 8 * 8) return Reach::kRead;
  if (offset >= struct_size) return Reach::kDefault;
  return Reach::kPartial;
}

size_t DecodeStructSize(ByteReader& in, size_t size) {
  const uint8_t tag = in.Byte();
  if (tag < 248) return size;
  const size_t kOff[] = {0, size - 8, size + 8, size - 1,
                         size + 1, SIZE_MAX, size / 2, 8};
  return kOff[tag % 8];
}

// ------------------------------------------------------------ contexts

const std::vector<std::string>& SupportedTargets() {
  static const std::vector<std::string> list = [] {
    std::vector<std::string> out;
    std::string item;
    for (const char* p = simdnorm_supported_targets();; ++p) {
      if (*p == ',' || *p == '\0') {
        if (!item.empty()) out.push_back(item);
        item.clear();
        if (*p == '\0') break;
      } else {
        item += *p;
      }
    }
    if (out.empty()) Die("simdnorm_supported_targets() is empty");
    return out;
  }();
  return list;
}

void ApplyTilePreset(simdnorm_context* ctx, int preset) {
  if (preset == 0) return;
  simdnorm_tile_params t;
  simdnorm_tile_params_init(&t);
  if (preset == 1) {
    t.block_elems = 16;
    t.chunk_elems = 1024;
    t.task_bytes = 4096;
    t.inline_bytes = 1;
    t.split_elems = 1024;
    t.spatial_tile = 1;
    t.stream_bytes = 4096;
  } else {
    t.block_elems = 48;
    t.chunk_elems = 1100;
    t.task_bytes = 8192;
    t.inline_bytes = 4096;
    t.split_elems = 2048;
    t.spatial_tile = 7;
    t.stream_bytes = int64_t{1} << 50;
  }
  for (int op = SIMDNORM_OP_LAYER_NORM; op <= SIMDNORM_OP_BATCH_NORM_TRAINING;
       ++op) {
    for (int layout = SIMDNORM_NCHW; layout <= SIMDNORM_NHWC; ++layout) {
      for (int bucket = 0; bucket <= 31; ++bucket) {
        const simdnorm_status s = simdnorm_context_set_tile_params(
            ctx, static_cast<simdnorm_op>(op),
            static_cast<simdnorm_layout>(layout), int64_t{1} << (2 * bucket),
            &t);
        if (s != SIMDNORM_OK) {
          Die(std::string("tile preset rejected: ") + simdnorm_last_error());
        }
      }
    }
  }
}

namespace {

thread_local bool g_in_task = false;

void RunTask(simdnorm_task_fn task_fn, void* task_ctx, int64_t i) {
  g_in_task = true;
  task_fn(task_ctx, i);
  g_in_task = false;
}

void CheckRunnerCall(int64_t task_count) {
  if (task_count < 2) Die("the runner was called for fewer than 2 tasks");
  if (g_in_task) Die("the runner was called from inside a task");
}

void ForwardRunner(void*, int64_t task_count, simdnorm_task_fn task_fn,
                   void* task_ctx) {
  CheckRunnerCall(task_count);
  for (int64_t i = 0; i < task_count; ++i) RunTask(task_fn, task_ctx, i);
}

void ReverseRunner(void*, int64_t task_count, simdnorm_task_fn task_fn,
                   void* task_ctx) {
  CheckRunnerCall(task_count);
  for (int64_t i = task_count - 1; i >= 0; --i) RunTask(task_fn, task_ctx, i);
}

}  // namespace

simdnorm_context* CachedContext(int target, int threads, int preset) {
  if (target < 0) return nullptr;
  // Never destroyed: the contexts live for the whole run.
  static auto* const cache = new std::map<std::tuple<int, int, int>, simdnorm_context*>;
  const auto key = std::make_tuple(target, threads, preset);
  const auto it = cache->find(key);
  if (it != cache->end()) return it->second;
  simdnorm_context* ctx = nullptr;
  if (simdnorm_context_create(&ctx) != SIMDNORM_OK ||
      simdnorm_context_set_target(ctx, SupportedTargets()[target].c_str()) !=
          SIMDNORM_OK ||
      (threads <= 2 ? simdnorm_context_set_threads(ctx, threads)
                    : simdnorm_context_set_parallel_runner(
                          ctx, threads == 3 ? ForwardRunner : ReverseRunner,
                          nullptr, threads - 1)) != SIMDNORM_OK) {
    Die(std::string("cannot set up a context: ") + simdnorm_last_error());
  }
  ApplyTilePreset(ctx, preset);
  (*cache)[key] = ctx;
  return ctx;
}

int DefaultTargetIndex() {
  static const int index = [] {
    const std::string name = simdnorm_context_target(nullptr);
    const auto& list = SupportedTargets();
    const auto it = std::find(list.begin(), list.end(), name);
    if (it == list.end()) Die("default context target " + name + " unknown");
    return static_cast<int>(it - list.begin());
  }();
  return index;
}

simdnorm_context* ContextChoice::Reference() const {
  if (target < 0) return CachedContext(DefaultTargetIndex(), 1, 0);
  return CachedContext(target, 1, preset);
}

std::string ContextChoice::Describe() const {
  if (target < 0) return "ctx=NULL";
  const std::string mode =
      threads <= 2 ? "threads=" + Str(int64_t{threads})
                   : std::string(threads == 3 ? "runner=forward/2" : "runner=reverse/3");
  return "ctx=" + SupportedTargets()[target] + "/" + mode + "/preset=" +
         Str(int64_t{preset});
}

ContextChoice DecodeContext(ByteReader& in) {
  ContextChoice c;
  const uint8_t t = in.Byte();
  c.target = t == 255 ? -1 : static_cast<int>(t % SupportedTargets().size());
  c.threads = 1 + in.Byte() % 4;
  c.preset = in.Byte() % kPresetCount;
  return c;
}

const std::string& ScratchDir() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") +
                          "/simdnorm-fuzz-XXXXXX";
    if (mkdtemp(&pattern[0]) == nullptr) Die("cannot create " + pattern);
    static std::string removal;
    removal = pattern;
    std::atexit([] {
      const std::string command = "rm -rf '" + removal + "'";
      if (std::system(command.c_str()) != 0) {
        std::fprintf(stderr, "could not remove %s\n", removal.c_str());
      }
    });
    return pattern;
  }();
  return dir;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) Die("cannot write " + path);
  const size_t written = std::fwrite(bytes.data(), 1, bytes.size(), f);
  if (std::fclose(f) != 0 || written != bytes.size()) Die("cannot write " + path);
}

std::string ReadFile(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) Die("cannot read " + path);
  std::string text;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0) text.append(buffer, n);
  std::fclose(f);
  return text;
}

const TileFieldInfo kTileFields[kTileFieldCount] = {
    {"block_elems", &simdnorm_tile_params::block_elems, 16, int64_t{1} << 24},
    {"chunk_elems", &simdnorm_tile_params::chunk_elems, 1024, int64_t{1} << 30},
    {"task_bytes", &simdnorm_tile_params::task_bytes, 4096, int64_t{1} << 40},
    {"inline_bytes", &simdnorm_tile_params::inline_bytes, 1, int64_t{1} << 40},
    {"split_elems", &simdnorm_tile_params::split_elems, 1024, int64_t{1} << 40},
    {"spatial_tile", &simdnorm_tile_params::spatial_tile, 1, int64_t{1} << 20},
    {"stream_bytes", &simdnorm_tile_params::stream_bytes, 4096, int64_t{1} << 50},
};

bool SameTileFields(const simdnorm_tile_params& a, const simdnorm_tile_params& b) {
  for (const TileFieldInfo& f : kTileFields) {
    if (a.*f.field != b.*f.field) return false;
  }
  return true;
}

std::string DescribeTileParams(const simdnorm_tile_params& p) {
  std::string out = "{";
  for (const TileFieldInfo& f : kTileFields) {
    out += std::string(f.name) + "=" + Str(p.*f.field) + " ";
  }
  return out + "speedup=" + Str(p.speedup) + "}";
}

size_t SnapshotIndex(int target, int op, int layout, int bucket) {
  return ((static_cast<size_t>(target) * 6 + static_cast<size_t>(op)) * 2 +
          static_cast<size_t>(layout)) * kBuckets + static_cast<size_t>(bucket);
}

TableSnapshot SnapshotTable(simdnorm_context* ctx) {
  const std::string current = simdnorm_context_target(ctx);
  const auto& targets = SupportedTargets();
  TableSnapshot out(targets.size() * 6 * 2 * kBuckets);
  for (size_t t = 0; t < targets.size(); ++t) {
    if (simdnorm_context_set_target(ctx, targets[t].c_str()) != SIMDNORM_OK) {
      Die("set_target(" + targets[t] + ") failed: " + simdnorm_last_error());
    }
    for (int op = 0; op < 6; ++op) {
      for (int layout = 0; layout < 2; ++layout) {
        for (int bucket = 0; bucket < kBuckets; ++bucket) {
          simdnorm_tile_params& p = out[SnapshotIndex(static_cast<int>(t), op, layout, bucket)];
          if (simdnorm_context_get_tile_params(
                  ctx, static_cast<simdnorm_op>(op), static_cast<simdnorm_layout>(layout),
                  int64_t{1} << (2 * bucket), &p) != SIMDNORM_OK) {
            Die(std::string("get_tile_params failed: ") + simdnorm_last_error());
          }
        }
      }
    }
  }
  if (simdnorm_context_set_target(ctx, current.c_str()) != SIMDNORM_OK) {
    Die("cannot restore target " + current);
  }
  return out;
}

void CompareTables(const TableSnapshot& got, const TableSnapshot& want,
                   double speedup_tolerance, const std::string& what) {
  const auto& targets = SupportedTargets();
  for (size_t t = 0; t < targets.size(); ++t) {
    for (int op = 0; op < 6; ++op) {
      for (int layout = 0; layout < 2; ++layout) {
        for (int bucket = 0; bucket < kBuckets; ++bucket) {
          const size_t i = SnapshotIndex(static_cast<int>(t), op, layout, bucket);
          const bool same =
              SameTileFields(got[i], want[i]) &&
              std::fabs(got[i].speedup - want[i].speedup) <= speedup_tolerance;
          if (!same) {
            Die(what + ": " + targets[t] + " op " + Str(int64_t{op}) + " layout " +
                Str(int64_t{layout}) + " bucket " + Str(int64_t{bucket}) + " has " +
                DescribeTileParams(got[i]) + ", expected " +
                DescribeTileParams(want[i]));
          }
        }
      }
    }
  }
}

namespace {
std::string& ArmedMessage() {
  static std::string message;
  return message;
}
}  // namespace

void ArmLastError() {
  // No fuzzed call fails with this message: a later call that fails must
  // replace it.
  if (simdnorm_context_create(nullptr) == SIMDNORM_OK) {
    Die("simdnorm_context_create(NULL) succeeded");
  }
  ArmedMessage() = simdnorm_last_error();
  if (ArmedMessage().empty()) Die("a failed call left no message");
}

bool LastErrorIsArmed() { return ArmedMessage() == simdnorm_last_error(); }

// ------------------------------------------------------------ validity

void Model::Invalid(const std::string& why) {
  if (invalid_.empty()) invalid_ = why;
}
void Model::Unsupported(const std::string& why) {
  if (unsupported_.empty()) unsupported_ = why;
}
void Model::Either(const std::string& why) {
  if (either_.empty()) either_ = why;
}
Verdict Model::verdict() const {
  if (!invalid_.empty() || !unsupported_.empty()) return Verdict::kInvalid;
  if (!either_.empty()) return Verdict::kEither;
  return Verdict::kValid;
}
void Model::Merge(const Model& other, bool as_either) {
  for (const std::string& why : {other.invalid_, other.unsupported_}) {
    if (why.empty()) continue;
    if (as_either) Either(why + " (nothing is accessed)");
    else Invalid(why);
  }
  if (!other.either_.empty()) Either(other.either_);
}

std::string Model::Describe() const {
  if (!invalid_.empty()) return "invalid: " + invalid_;
  if (!unsupported_.empty()) return "unsupported: " + unsupported_;
  if (!either_.empty()) return "either: " + either_;
  return "valid";
}

Placement DecodePlacement(ByteReader& in, int index, bool required,
                          int null_weight) {
  Placement p;
  const int tag = in.Byte();
  const int floor = required ? 0 : null_weight;
  if (tag < floor) {
    p.kind = Placement::kNull;
    return p;
  }
  if (index == 0) return p;  // nothing to alias
  const int u = (tag - floor) * 100 / (256 - floor);
  if (u < 70) return p;
  p.other = static_cast<int>(in.Index(static_cast<size_t>(index)));
  if (u < 85) {
    p.kind = Placement::kSame;
    return p;
  }
  p.kind = Placement::kShifted;
  const uint8_t d = in.Byte();
  switch (d % 8) {
    case 0: p.delta = 1; break;
    case 1: p.delta = -1; break;
    case 2: p.delta = (d >> 3) - 16; break;  // [-16, 15]
    case 3: p.shift = Placement::kOneRow; break;
    case 4: p.shift = Placement::kAfter; break;
    case 5: p.shift = Placement::kBefore; break;
    case 6: p.shift = Placement::kLastElement; break;
    default: p.shift = Placement::kMiddle; break;
  }
  return p;
}

namespace {

// v rounded down to a multiple of `size` (> 0), negative values too.
__int128 FloorTo(__int128 v, int64_t size) {
  const __int128 r = v % size;
  return r < 0 ? v - r - size : v - r;
}

}  // namespace

void Layout::Place(std::vector<View>& views,
                   const std::vector<Placement>& places) {
  sizes_.clear();
  constexpr __int128 kMaxShift = __int128{1} << 24;  // bytes
  for (size_t i = 0; i < views.size(); ++i) {
    View& v = views[i];
    const Placement& p = places[i];
    v.present = p.kind != Placement::kNull;
    if (!v.present) continue;
    const View* other =
        p.kind == Placement::kOwn ? nullptr : &views[static_cast<size_t>(p.other)];
    if (other == nullptr || !other->present) {
      v.arena = static_cast<int>(sizes_.size());
      v.offset = 0;
      sizes_.push_back(0);
      continue;
    }
    v.arena = other->arena;
    __int128 delta = 0;  // bytes
    if (p.kind == Placement::kShifted) {
      const __int128 other_row = other->rows > 1 ? other->stride : other->cols;
      switch (p.shift) {
        case Placement::kOneRow: delta = other_row * other->ElementSize(); break;
        case Placement::kAfter: delta = other->ExtentBytes(); break;
        case Placement::kBefore: delta = -v.ExtentBytes(); break;
        case Placement::kLastElement:
          delta = other->ExtentBytes() - other->ElementSize();
          break;
        case Placement::kMiddle: delta = other->ExtentBytes() / 2; break;
        default: delta = __int128{p.delta} * v.ElementSize(); break;
      }
      if (delta > kMaxShift || delta < -kMaxShift) delta = v.ElementSize();
    }
    // Element-aligned for its own type (the other view may be narrower).
    v.offset = static_cast<int64_t>(FloorTo(other->offset + delta, v.ElementSize()));
  }
  // Rebase each arena so that its lowest offset is 0 (or just above: a
  // multiple of 4 keeps every view aligned); size = highest end.
  std::vector<__int128> low(sizes_.size(), 0), high(sizes_.size(), 0);
  std::vector<bool> seen(sizes_.size(), false);
  for (const View& v : views) {
    if (!v.present) continue;
    const size_t a = static_cast<size_t>(v.arena);
    const __int128 end = v.offset + v.ExtentBytes();
    if (!seen[a]) {
      low[a] = v.offset;
      high[a] = end;
      seen[a] = true;
    } else {
      low[a] = std::min<__int128>(low[a], v.offset);
      high[a] = std::max<__int128>(high[a], end);
    }
  }
  for (__int128& l : low) l = FloorTo(l, 4);
  for (View& v : views) {
    if (v.present) v.offset -= static_cast<int64_t>(low[static_cast<size_t>(v.arena)]);
  }
  for (size_t a = 0; a < sizes_.size(); ++a) sizes_[a] = high[a] - low[a];
}

__int128 Layout::TotalBytes() const {
  __int128 total = 0;
  for (__int128 s : sizes_) total += std::min<__int128>(s, __int128{1} << 100);
  return total;
}

bool RangesIntersect(const View& a, const View& b) {
  if (!a.present || !b.present || a.arena != b.arena) return false;
  const __int128 ea = a.ExtentBytes(), eb = b.ExtentBytes();
  if (ea == 0 || eb == 0) return false;
  return a.offset < b.offset + eb && b.offset < a.offset + ea;
}

namespace {

// 1 if an element of a and one of b share a byte, 0 if not, -1 if too
// large to tell.
int ElementsShared(const View& a, const View& b) {
  constexpr __int128 kMax = __int128{1} << 22;
  if (a.Extent() > kMax || b.Extent() > kMax) return -1;
  const int64_t extent = static_cast<int64_t>(a.ExtentBytes());
  std::vector<bool> in_a(static_cast<size_t>(extent), false);
  for (int64_t at : Arenas::Offsets(a)) {
    for (int64_t k = 0; k < a.ElementSize(); ++k) {
      in_a[static_cast<size_t>(at - a.offset + k)] = true;
    }
  }
  for (int64_t at : Arenas::Offsets(b)) {
    for (int64_t k = 0; k < b.ElementSize(); ++k) {
      const int64_t i = at + k - a.offset;
      if (i >= 0 && i < extent && in_a[static_cast<size_t>(i)]) return 1;
    }
  }
  return 0;
}

}  // namespace

void RuleInputOutput(Model& m, const View& in, const View& out,
                     bool in_place_allowed) {
  if (!RangesIntersect(in, out)) return;
  const std::string pair = std::string(in.name) + " and " + out.name;
  if (in_place_allowed && in.offset == out.offset && in.rows == out.rows &&
      in.cols == out.cols && in.ElementSize() == out.ElementSize()) {
    if (in.rows == 1 || in.stride == out.stride) {
      if (in.stride == out.stride) return;  // exactly in place
      m.Either(pair + ": one row in place with different strides");
      return;
    }
  }
  const int shared = ElementsShared(in, out);
  if (shared == 1) {
    m.Invalid(pair + " overlap partially");
  } else {
    m.Either(pair + ": spans intersect, elements disjoint (or too large)");
  }
}

void RuleDisjoint(Model& m, const View& a, const View& b) {
  if (!RangesIntersect(a, b)) return;
  const std::string pair = std::string(a.name) + " and " + b.name;
  const int shared = ElementsShared(a, b);
  if (shared == 1) {
    m.Invalid(pair + " overlap");
  } else {
    m.Either(pair + ": spans intersect, elements disjoint (or too large)");
  }
}

bool FitsTensor(__int128 elems) {
  return elems >= 0 && elems <= (__int128{1} << 58);  // kMaxTensorElements
}

void SetMatrix(View& v, __int128 rows, __int128 cols, __int128 stride) {
  v.rows = rows;
  v.cols = cols;
  v.stride = stride < cols ? cols : stride;
}

void StrideRules(Model& m, const std::string& name, __int128 rows,
                 __int128 cols, __int128 stride, bool given) {
  if (stride < cols) {
    if (given) m.Invalid(name + " < its row length");
    else m.Either(name + " < its row length, view not given");
    return;
  }
  if (rows <= 0 || FitsTensor(rows * stride)) return;
  if (!FitsTensor((rows - 1) * stride + cols)) {
    m.Invalid(name + ": span too large" + (given ? "" : " (view not given)"));
  } else {
    m.Either(name + ": rows * stride too large");
  }
}

__int128 SaturatedProduct(__int128 a, __int128 b, __int128 c) {
  const __int128 kMax = __int128{1} << 120;
  __int128 out = 1;
  for (__int128 f : {a, b, c}) {
    if (f != 0 && out > kMax / f) return kMax;
    out *= f;
  }
  return out;
}

// ------------------------------------------------------------ data

bool DataSpec::Moderate() const {
  if (kind == 3) return false;
  if (std::fabs(scale) + std::fabs(offset) > 1e6f) return false;
  for (const auto& s : specials) {
    if (!(std::fabs(s.second) <= 1e6f)) return false;
  }
  return true;
}

bool MixedInputTypes(const std::vector<View>& views) {
  for (const View& a : views) {
    for (const View& b : views) {
      if (a.present && b.present && a.is_input && b.is_input &&
          a.arena == b.arena && a.type != b.type) {
        return true;
      }
    }
  }
  return false;
}

DataSpec DecodeData(ByteReader& in) {
  DataSpec d;
  d.seed = in.U32();
  d.kind = in.Byte() % 5;
  static const float kScale[] = {1.0f, 1e-3f, 1e3f,  1e6f,
                                 1e-30f, 1e30f, 1e38f, 3e38f};
  static const float kOffset[] = {0.0f, 0.0f, 1.0f, 1e4f,
                                  1e6f, -1e6f, 1e30f, -3e38f};
  const uint8_t s = in.Byte();
  d.scale = kScale[s % 8];
  d.offset = kOffset[(s >> 3) % 8];
  const uint8_t n = in.Byte();
  const int count = n < 192 ? 0 : n % 4;
  for (int i = 0; i < count; ++i) {
    static const float kSpecial[] = {
        FloatFromBits(0x7fc00000u), FloatFromBits(0xffc12345u), INFINITY, -INFINITY,
        FLT_MAX, -FLT_MAX, FloatFromBits(1), -0.0f, 0.0f, 1e38f, 5.0f, -3.0f};
    const uint32_t pos = in.U32();
    d.specials.emplace_back(pos, kSpecial[in.Byte() % 12]);
  }
  return d;
}

}  // namespace simdnorm_fuzz
