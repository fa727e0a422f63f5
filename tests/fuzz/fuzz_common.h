// Building blocks shared by the fuzz targets: a byte reader that decodes
// the fuzz input front to back, cached contexts per (ISA target, threads,
// tile preset), a model of argument validity that is independent of the
// library's own checks, exactly-sized heap buffers, and the checks that
// turn a broken contract into a crash libFuzzer reports.
#ifndef SIMDNORM_TESTS_FUZZ_FUZZ_COMMON_H_
#define SIMDNORM_TESTS_FUZZ_FUZZ_COMMON_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "fuzz_elements.h"
#include "simdnorm/simdnorm.h"

namespace simdnorm_fuzz {

// Prints "simdnorm fuzz: <message>" and the case description, then traps.
[[noreturn]] void Die(const std::string& message);
#define FUZZ_CHECK(cond, message)                         \
  do {                                                    \
    if (!(cond)) ::simdnorm_fuzz::Die(message);           \
  } while (0)
// Extra text printed by Die (what the current input decoded to).
void SetCaseDescription(std::string description);
void AppendCaseDescription(const std::string& text);

// Counts how inputs ended; printed at exit when SIMDNORM_FUZZ_STATS is
// set, to see what a decoder produces. SIMDNORM_FUZZ_VERBOSE prints each
// input's decoded case and outcome. A `kind` (e.g. the element types)
// counts the outcome once more as "outcome | kind".
void CountOutcome(const char* outcome, const std::string& kind = "");

std::string Str(int64_t v);
std::string Str(double v);
inline float FloatFromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}
inline uint32_t FloatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  return bits;
}

// Reads the fuzz input from the front; past the end every value is 0, so
// any prefix of an input is an input too.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint16_t U16();
  uint32_t U32();
  uint64_t U64();
  // Index in [0, n) from one byte (n <= 256).
  size_t Index(size_t n) { return n == 0 ? 0 : Byte() % n; }
  size_t remaining() const { return size_ - pos_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// ---------------------------------------------------------------- decoding

// A count such as rows or channels: mostly in [0, small_max], sometimes up
// to medium_max, sometimes an extreme or a raw 64-bit value.
int64_t DecodeCount(ByteReader& in, int64_t small_max, int64_t medium_max);
// A row stride for rows of `cols`: mostly 0 (dense) or cols + k, sometimes
// too small, negative or huge.
int64_t DecodeStride(ByteReader& in, int64_t cols);
// eps-like float: mostly `usual`, sometimes 0, -0, tiny, huge, NaN, Inf,
// negative or raw bits.
float DecodeEps(ByteReader& in, float usual);
// An enum field's integer: mostly in [0, count), sometimes out of range.
int DecodeEnum(ByteReader& in, int count, int usual_weight);
// struct_size: mostly `size`, sometimes off.
size_t DecodeStructSize(ByteReader& in, size_t size);
// An args struct's struct_size: mostly `newest`, sometimes an older
// version's (`oldest`: the offset of the first field appended since) or
// one in between, sometimes out of range. The harness leaves appended
// fields at their defaults, so any accepted size means the same call.
size_t DecodeArgsSize(ByteReader& in, size_t newest, size_t oldest);
// What the library accepts: any size from the oldest version's up.
inline bool ArgsSizeValid(size_t size, size_t oldest, size_t newest) {
  return size >= oldest && size <= newest;
}
// Whether a call reads the field at [offset, offset + bytes) of an args
// struct of struct_size bytes.
enum class Reach {
  kRead,
  kDefault,  // the struct ends before it: the field's default applies
  kPartial   // struct_size is no version's size and ends in its 8 bytes
};
Reach FieldReach(size_t struct_size, size_t offset, size_t bytes);
template <class Args, class Field>
Reach FieldReach(const Args& args, const Field& field) {
  const size_t offset = static_cast<size_t>(reinterpret_cast<const char*>(&field) -
                                            reinterpret_cast<const char*>(&args));
  return FieldReach(args.struct_size, offset, sizeof(Field));
}
// Stores `value` (its raw bits: enum fields may hold any int) in a field
// appended after 0.1.0, args.struct_size set; *used, holding the field's
// default, becomes what the call reads. Every version's size is a
// multiple of 8, so the header does not say how a size in between reads
// a field in its last 8 bytes: the default is stored there, which means
// the same either way.
template <class Args, class Field, class Value>
void StoreAppended(Args& args, Field& field, Value value, Value* used) {
  static_assert(sizeof(Field) == sizeof(Value), "a field's raw value");
  switch (FieldReach(args, field)) {
    case Reach::kRead: *used = value; break;
    case Reach::kDefault: break;  // stored, not read
    case Reach::kPartial: value = *used; break;
  }
  std::memcpy(&field, &value, sizeof(field));
}
// Writes an enum field of a caller's struct as a raw integer, as C may.
template <class Enum>
void SetRawEnum(Enum* field, int value) {
  static_assert(sizeof(Enum) == sizeof(int), "enum fields are int-sized");
  std::memcpy(field, &value, sizeof(value));
}

// ------------------------------------------------------------ contexts

// simdnorm_supported_targets() as a list, best first.
const std::vector<std::string>& SupportedTargets();
constexpr int kPresetCount = 3;
// Tile parameters of a preset (0 = the defaults; 1 = the smallest values
// everywhere, so that tiny problems take the parallel, split and streaming
// paths; 2 = odd sizes). Applies to every op, layout and bucket of ctx's
// current target.
void ApplyTilePreset(simdnorm_context* ctx, int preset);
// A cached context pinned to SupportedTargets()[target] with a tile
// preset and, by `threads`: 1 or 2 oneTBB threads, or a parallel runner of
// the caller's that runs every task on the calling thread, in order with
// max_concurrency 2 (threads == 3) or in reverse order with
// max_concurrency 3 (threads == 4). The runners check their contract (at
// least 2 tasks, never called from inside a task). target < 0 means the
// process default (NULL).
simdnorm_context* CachedContext(int target, int threads, int preset);
// Index of the default context's target in SupportedTargets().
int DefaultTargetIndex();

// Which context a call runs on, decoded from the input.
struct ContextChoice {
  int target = 0;  // -1: NULL (default context)
  int threads = 1;  // see CachedContext
  int preset = 0;
  simdnorm_context* Get() const { return CachedContext(target, threads, preset); }
  // Same ISA target and tiles, one thread: the reference run.
  simdnorm_context* Reference() const;
  std::string Describe() const;
};
ContextChoice DecodeContext(ByteReader& in);

// Sets simdnorm_last_error() to a message no op produces, so that a later
// check can tell whether a call recorded its own.
void ArmLastError();
bool LastErrorIsArmed();

// A private directory for temporary files (removed at exit).
const std::string& ScratchDir();
// Writes bytes to a file; dies if it cannot.
void WriteFile(const std::string& path, const std::string& bytes);
std::string ReadFile(const std::string& path);

// The tile parameter fields as an array (block_elems ... stream_bytes),
// their names and documented bounds.
constexpr int kTileFieldCount = 7;
struct TileFieldInfo {
  const char* name;
  int64_t simdnorm_tile_params::*field;
  int64_t min;
  int64_t max;
};
extern const TileFieldInfo kTileFields[kTileFieldCount];
bool SameTileFields(const simdnorm_tile_params& a, const simdnorm_tile_params& b);
std::string DescribeTileParams(const simdnorm_tile_params& p);

// What a context reports from get_tile_params for every target, op,
// layout and bucket (in that order); ctx keeps its target.
using TableSnapshot = std::vector<simdnorm_tile_params>;
constexpr int kBuckets = 32;
TableSnapshot SnapshotTable(simdnorm_context* ctx);
size_t SnapshotIndex(int target, int op, int layout, int bucket);
// Dies with `what` at the first difference (speedups within tolerance).
void CompareTables(const TableSnapshot& got, const TableSnapshot& want,
                   double speedup_tolerance, const std::string& what);

// ------------------------------------------------------------ validity

// What the model says about a call.
enum class Verdict { kValid, kEither, kInvalid };

class Model {
 public:
  // The call must fail (the first reason is kept).
  void Invalid(const std::string& why);
  // The call must fail, with SIMDNORM_UNSUPPORTED when nothing else is
  // invalid: a type the header names, where the op does not take it (an
  // int8 x, a 16-bit y of another type than x).
  void Unsupported(const std::string& why);
  // The header leaves it open; the library may accept or reject.
  void Either(const std::string& why);
  Verdict verdict() const;
  // The only reasons to fail are unsupported types.
  bool OnlyUnsupported() const { return invalid_.empty() && !unsupported_.empty(); }
  std::string Describe() const;
  // Takes over other's reasons; with as_either, its invalid ones too only
  // as open questions.
  void Merge(const Model& other, bool as_either);

 private:
  std::string invalid_;
  std::string unsupported_;
  std::string either_;
};

// A strided [rows, cols] region of elements of `type` an argument points
// to (rows, cols and stride in elements). Present views live in an arena
// (one heap allocation) at a byte offset that is a multiple of their
// element size; several views may share an arena (aliasing).
struct View {
  const char* name = "";
  simdnorm_dtype type = SIMDNORM_F32;
  bool present = false;
  int arena = -1;
  int64_t offset = 0;  // bytes from the arena start
  __int128 rows = 0, cols = 0, stride = 0;
  bool is_input = false;   // read by the call
  bool is_output = false;  // written by the call
  int64_t ElementSize() const { return static_cast<int64_t>(ElementBytes(type)); }
  __int128 Extent() const {
    return rows > 0 && cols > 0 ? (rows - 1) * stride + cols : 0;
  }
  // Saturated at 2^120 elements (rows * stride may be near 2^126).
  __int128 ExtentBytes() const {
    return std::min(Extent(), __int128{1} << 120) * ElementSize();
  }
  __int128 Elements() const { return rows > 0 && cols > 0 ? rows * cols : 0; }
};

// How view `index` is placed relative to the views before it: null, its
// own arena, exactly on an earlier view, or inside an earlier view's arena
// at an offset. Placement only; geometry is set before Layout::Place.
struct Placement {
  enum Kind { kNull, kOwn, kSame, kShifted } kind = kOwn;
  int other = 0;
  // kShifted: by `delta` of its own elements, or relative to the views'
  // geometry (then rounded down to its element size).
  enum Shift { kDelta, kOneRow, kAfter, kBefore, kLastElement, kMiddle } shift = kDelta;
  int64_t delta = 0;
};
// required: never null. null_weight out of 256.
Placement DecodePlacement(ByteReader& in, int index, bool required,
                          int null_weight);

class Layout {
 public:
  // Assigns arenas and offsets to views from their placements (geometry
  // and types must be set), and the arenas' sizes in bytes.
  void Place(std::vector<View>& views, const std::vector<Placement>& places);
  // Sum of the arenas' sizes in bytes (saturated).
  __int128 TotalBytes() const;
  int arena_count() const { return static_cast<int>(sizes_.size()); }
  __int128 arena_size(int a) const { return sizes_[a]; }

 private:
  std::vector<__int128> sizes_;
};

// Overlap rules. `a` and `b` are views; absent or empty views never
// overlap. Ranges are the bytes [offset, offset + extent bytes) of an
// arena; elements overlap when they share a byte.
bool RangesIntersect(const View& a, const View& b);
// An input read by the call and an output: disjoint, or exactly the same
// elements of the same size (in place) when allowed.
void RuleInputOutput(Model& m, const View& in, const View& out,
                     bool in_place_allowed);
// Two regions that must not overlap (outputs, or an output and a
// parameter input).
void RuleDisjoint(Model& m, const View& a, const View& b);
// The library's size limit: at most 2^58 elements in a tensor or view.
bool FitsTensor(__int128 elems);
// v is [rows, cols] with a row stride (resolved: 0 means cols); a stride
// below cols (invalid) is sized as cols: such a call must not touch
// memory.
void SetMatrix(View& v, __int128 rows, __int128 cols, __int128 stride);
// The rules on a resolved row stride of a [rows, cols] view: at least
// cols, and a span (rows - 1) * stride + cols within the size limit, given
// or not (open when only rows * stride, the size of a dense [rows,
// stride] tensor, is past it). Whether the stride of an optional view
// that is not `given` must be at least cols is open.
void StrideRules(Model& m, const std::string& name, __int128 rows,
                 __int128 cols, __int128 stride, bool given);
// a * b * c for non-negative factors, saturated at 2^120.
__int128 SaturatedProduct(__int128 a, __int128 b, __int128 c);

// --------------------------------------------------------------- buffers

constexpr size_t kMaxValidBytes = 1 << 20;  // cap for calls that run

// How input arenas are filled: a seeded generator, a value class, and a
// few special values at decoded positions.
struct DataSpec {
  uint64_t seed = 0;
  int kind = 0;
  float scale = 1.0f;
  float offset = 0.0f;
  std::vector<std::pair<uint32_t, float>> specials;
  // True when every value is finite and moderate, so outputs must be too
  // (see also MixedInputTypes).
  bool Moderate() const;
};
DataSpec DecodeData(ByteReader& in);

// True when an arena holds inputs of two element types: their elements
// are then partly the other type's bits, not moderate values.
bool MixedInputTypes(const std::vector<View>& views);

// Exactly-sized heap allocations for the arenas of a Layout.
class Arenas {
 public:
  // dummy: the layout is too large for a call that runs; allocate at most
  // a few bytes per arena (pointers past them are never dereferenced by
  // a call that correctly fails).
  Arenas(const Layout& layout, bool dummy);
  ~Arenas();
  Arenas(const Arenas&) = delete;
  Arenas& operator=(const Arenas&) = delete;
  // Fills the elements of input views with data of their types, the rest
  // of an arena holding an input with data of its first input's type, and
  // other arenas with the canary of each view's type.
  void Fill(const std::vector<View>& views, const DataSpec& data);
  void* Pointer(const View& v) const;  // nullptr for absent views
  void Snapshot();
  // Every byte outside `writable` (per arena) has its snapshot value.
  void CheckUnchanged(const std::vector<std::vector<uint8_t>>& writable,
                      const char* when) const;
  void CheckAllUnchanged(const char* when) const;
  // The byte offset in its arena of each element of v, in row-major
  // logical order.
  static std::vector<int64_t> Offsets(const View& v);
  const uint8_t* Data(int arena) const { return base_[static_cast<size_t>(arena)]; }
  std::vector<std::vector<uint8_t>> EmptyMask() const;
  // Logical elements of v, from the snapshot.
  Elements Gather(const View& v) const;

 private:
  std::vector<uint8_t*> base_;
  std::vector<int64_t> allocated_;  // bytes
  std::vector<std::vector<uint8_t>> snapshot_;
};

// The "moderate inputs give finite outputs" check of one output: every
// element of a float type is finite. `bound` bounds |value| from the
// inputs: fp16's range (65504) is below what moderate inputs can give
// (a normalized value up to sqrt(n) times gamma up to 1e6), so an fp16
// output is checked only where the bound, with a margin for the rounding
// of the statistics, stays within it. int8 outputs are finite by type.
void CheckFinite(const View& v, const Elements& e, double bound);

// Runs the skeleton shared by the op targets:
//   verdict valid or either and the buffers too large -> skip;
//   invalid -> status must be an argument error, the message recorded,
//   nothing written;
//   accepted -> status OK, last error untouched, nothing written outside
//   the outputs' written elements, written elements equal to the
//   reference run's (a dense, unaliased call on one thread).
struct OpRun {
  std::vector<View>* views = nullptr;
  std::vector<Placement> places;
  Model model;
  DataSpec data;
  // The element types of the call, counted with each outcome.
  std::string types;
  // Puts arena pointers into the args struct.
  std::function<void(const Arenas&)> bind;
  // The call under test.
  std::function<simdnorm_status()> call;
  // Sets to 1 the logical elements of output view v the call writes;
  // mask has one 0 per element of the view.
  std::function<void(int view, std::vector<uint8_t>& mask)> written;
  // The reference call: dense[v] holds view v's logical elements, copied
  // from before the call for inputs (and in/out views), the canary for
  // outputs; it runs the full op on them and returns the status.
  std::function<simdnorm_status(std::vector<Elements>& dense)> reference;
  // Checks on the reference outputs (e.g. finiteness); may be empty.
  std::function<void(const std::vector<Elements>& dense)> check_reference;
};
void RunOpCase(OpRun& run);

}  // namespace simdnorm_fuzz

#endif  // SIMDNORM_TESTS_FUZZ_FUZZ_COMMON_H_
