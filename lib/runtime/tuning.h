// Tile parameters the ops read at run time, per (op, layout, storage type,
// target, shape bucket). Built-in defaults are good without tuning; a table
// loaded from a simdnorm-tune file overrides them entry by entry.
#ifndef SIMDNORM_RUNTIME_TUNING_H_
#define SIMDNORM_RUNTIME_TUNING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "simdnorm/simdnorm.h"

namespace simdnorm::internal {

// Same values as the public simdnorm_op.
enum class OpKind : int {
  kLayerNorm = 0,
  kRmsNorm,
  kGroupNorm,
  kInstanceNorm,
  kBatchNormInference,
  kBatchNormTraining,
};
constexpr int kOpKindCount = 6;

// "layer_norm", "rms_norm", ... as in tuning files; nullptr if out of range.
const char* OpKindName(OpKind op);
// False if `name` is not an op name.
bool OpKindFromName(const std::string& name, OpKind* op);

// Every field must lie within its TileParamField bounds (see below); a
// table never holds values outside them.
struct TileParams {
  // Values accumulated in fp32 lanes before a merge in double. Larger is
  // faster, smaller is more accurate; results depend on it (fixed per table).
  int64_t block_elems = 2048;
  // Fixed reduction chunk: the unit split across threads and merged in a
  // fixed order, so results never depend on the thread count.
  int64_t chunk_elems = 32768;
  // Bytes (read + written) per parallel task, at least.
  int64_t task_bytes = 256 * 1024;
  // Problems moving fewer bytes than this run on the caller's thread.
  int64_t inline_bytes = 192 * 1024;
  // A unit (row, group) this large is split across threads when there are
  // fewer units than threads.
  int64_t split_elems = 65536;
  // Rows of S per tile in channels-last passes.
  int64_t spatial_tile = 64;
  // The last-level cache size the table assumes. Outputs of at least this
  // many bytes are written with non-temporal stores: far beyond the cache
  // they would only be evicted, and streaming skips reading them in
  // first. Two-pass ops whose x and y together exceed a third of it read
  // each unit's statistics during the previous unit's normalize pass
  // (ops/prefetch.h). The default is set from this machine's last-level
  // cache (runtime/cache_size.h).
  int64_t stream_bytes = 8 * 1024 * 1024;
};

// Name and accepted range of each TileParams field: one list drives
// validation, the tuning file format and the public struct's checks.
// The bounds keep any accepted value harmless (no huge allocations, no
// zero-sized loops): block 16..16M elements, chunk 1K..1G elements, task
// 4 KiB..1 TiB, inline 1 B..1 TiB (1 = always parallel), split 1K..1T
// elements (large = never split), spatial tile 1..1M rows, stream 4 KiB..
// 1 PiB (large = never stream).
struct TileParamField {
  const char* name;
  int64_t TileParams::*field;
  int64_t min;
  int64_t max;
};
constexpr TileParamField kTileParamFields[] = {
    {"block_elems", &TileParams::block_elems, 16, int64_t{1} << 24},
    {"chunk_elems", &TileParams::chunk_elems, 1024, int64_t{1} << 30},
    {"task_bytes", &TileParams::task_bytes, 4096, int64_t{1} << 40},
    {"inline_bytes", &TileParams::inline_bytes, 1, int64_t{1} << 40},
    {"split_elems", &TileParams::split_elems, 1024, int64_t{1} << 40},
    {"spatial_tile", &TileParams::spatial_tile, 1, int64_t{1} << 20},
    {"stream_bytes", &TileParams::stream_bytes, 4096, int64_t{1} << 50},
};

// Empty if every field is within bounds, else what is wrong with the first
// field that is not ("block_elems (8) must be in [16, 16777216]").
std::string TileParamsProblem(const TileParams& params);

// Shape bucket of a problem: by the size of one unit (row, group, channel),
// in steps of 4x (bucket b holds [4^b, 4^(b+1)) elements), so that tuning
// generalizes to nearby shapes.
int ShapeBucket(int64_t unit_elems);
constexpr int kMaxShapeBucket = 31;  // 4^31 = 2^62 elements

// Speedups are only reported; this bound (shared by the API and tuning
// files) keeps them printable and every table saved loadable.
constexpr double kMaxSpeedup = 1e6;

struct TuningEntry {
  OpKind op;
  simdnorm_layout layout;
  simdnorm_dtype dtype = SIMDNORM_F32;  // storage type of the problems
  int64_t target;  // one HWY_* bit
  int bucket;
  TileParams params;
  double speedup;  // measured by the tuner over the defaults, for reporting
};

class TuningTable {
 public:
  // The parameters of the entry that Applying finds, else the defaults.
  const TileParams& Lookup(OpKind op, simdnorm_layout layout,
                           simdnorm_dtype dtype, int64_t target,
                           int64_t unit_elems) const;
  // The entry a problem uses: its storage type's, else (16-bit problems)
  // the fp32 entry of the same key; nullptr when the defaults apply.
  const TuningEntry* Applying(OpKind op, simdnorm_layout layout,
                              simdnorm_dtype dtype, int64_t target,
                              int bucket) const;
  // The entry for this key, or nullptr.
  const TuningEntry* Find(OpKind op, simdnorm_layout layout,
                          simdnorm_dtype dtype, int64_t target,
                          int bucket) const;
  // Adds or replaces the entry with the same key.
  void Set(const TuningEntry& entry);
  // Removes the entry with this key, if any.
  void Erase(OpKind op, simdnorm_layout layout, simdnorm_dtype dtype,
             int64_t target, int bucket);
  const std::vector<TuningEntry>& entries() const { return entries_; }
  void Clear() { entries_.clear(); }

 private:
  std::vector<TuningEntry> entries_;
};

const TileParams& DefaultTileParams();

}  // namespace simdnorm::internal

#endif  // SIMDNORM_RUNTIME_TUNING_H_
