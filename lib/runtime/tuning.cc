#include "runtime/tuning.h"

namespace simdnorm {

const TileParams& DefaultTileParams() {
  static const TileParams params;
  return params;
}

int ShapeBucket(int64_t unit_elems) {
  int bits = 0;
  for (uint64_t v = static_cast<uint64_t>(unit_elems); v > 1; v >>= 1) ++bits;
  return bits / 2;
}

const TileParams& TuningTable::Lookup(OpKind op, simdnorm_layout layout,
                                      int64_t target,
                                      int64_t unit_elems) const {
  if (entries_.empty()) return DefaultTileParams();
  const int bucket = ShapeBucket(unit_elems);
  for (const TuningEntry& e : entries_) {
    if (e.op == op && e.layout == layout && e.target == target &&
        e.bucket == bucket) {
      return e.params;
    }
  }
  return DefaultTileParams();
}

void TuningTable::Set(const TuningEntry& entry) {
  for (TuningEntry& e : entries_) {
    if (e.op == entry.op && e.layout == entry.layout &&
        e.target == entry.target && e.bucket == entry.bucket) {
      e = entry;
      return;
    }
  }
  entries_.push_back(entry);
}

}  // namespace simdnorm
