// Tile parameters the ops read at run time, per (op, layout, target, shape
// bucket). Built-in defaults are good without tuning; a table loaded from a
// simdnorm-tune file overrides them entry by entry.
#ifndef SIMDNORM_RUNTIME_TUNING_H_
#define SIMDNORM_RUNTIME_TUNING_H_

#include <cstdint>
#include <vector>

#include "simdnorm/simdnorm.h"

namespace simdnorm {

enum class OpKind : int {
  kLayerNorm = 0,
  kRmsNorm,
  kGroupNorm,
  kInstanceNorm,
  kBatchNormInference,
  kBatchNormTraining,
};
constexpr int kOpKindCount = 6;

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
};

// Shape bucket of a problem: by the size of one unit (row or group), in
// steps of 4x, so that tuning generalizes to nearby shapes.
int ShapeBucket(int64_t unit_elems);

struct TuningEntry {
  OpKind op;
  simdnorm_layout layout;
  int64_t target;
  int bucket;
  TileParams params;
  double speedup;  // measured by the tuner, for reporting
};

class TuningTable {
 public:
  const TileParams& Lookup(OpKind op, simdnorm_layout layout, int64_t target,
                           int64_t unit_elems) const;
  // Adds or replaces the entry with the same key.
  void Set(const TuningEntry& entry);
  const std::vector<TuningEntry>& entries() const { return entries_; }
  void Clear() { entries_.clear(); }

 private:
  std::vector<TuningEntry> entries_;
};

const TileParams& DefaultTileParams();

}  // namespace simdnorm

#endif  // SIMDNORM_RUNTIME_TUNING_H_
