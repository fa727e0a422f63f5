#include "runtime/tuning.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "runtime/cache_size.h"

namespace simdnorm::internal {
namespace {

constexpr const char* kOpKindNames[kOpKindCount] = {
    "layer_norm",           "rms_norm",
    "group_norm",           "instance_norm",
    "batch_norm_inference", "batch_norm_training",
};

// A new TileParams field must be listed in kTileParamFields (bounds, file).
static_assert(sizeof(TileParams) ==
                  sizeof(int64_t) *
                      (sizeof(kTileParamFields) / sizeof(kTileParamFields[0])),
              "every TileParams field needs a kTileParamFields entry");

bool SameKey(const TuningEntry& e, OpKind op, simdnorm_layout layout,
             simdnorm_dtype dtype, int64_t target, int bucket) {
  return e.op == op && e.layout == layout && e.dtype == dtype &&
         e.target == target && e.bucket == bucket;
}

}  // namespace

const char* OpKindName(OpKind op) {
  const int i = static_cast<int>(op);
  return i >= 0 && i < kOpKindCount ? kOpKindNames[i] : nullptr;
}

bool OpKindFromName(const std::string& name, OpKind* op) {
  for (int i = 0; i < kOpKindCount; ++i) {
    if (name == kOpKindNames[i]) {
      *op = static_cast<OpKind>(i);
      return true;
    }
  }
  return false;
}

std::string TileParamsProblem(const TileParams& params) {
  for (const TileParamField& f : kTileParamFields) {
    const int64_t v = params.*f.field;
    if (v < f.min || v > f.max) {
      char message[128];
      std::snprintf(message, sizeof(message),
                    "%s (%" PRId64 ") must be in [%" PRId64 ", %" PRId64 "]",
                    f.name, v, f.min, f.max);
      return message;
    }
  }
  return std::string();
}

const TileParams& DefaultTileParams() {
  static const TileParams params = [] {
    TileParams p;
    // Smaller outputs stay cached for whoever reads them next (the next
    // layer); larger ones are evicted anyway, and streaming skips reading
    // them in first (GroupNorm with a 128 MiB y: 0.83x memcpy streamed,
    // 1.55x not). Where the line falls depends on the CPU
    // (runtime/cache_size.cc); simdnorm-tune measures it.
    p.stream_bytes = DefaultStreamBytes();
    return p;
  }();
  return params;
}

int ShapeBucket(int64_t unit_elems) {
  int bits = 0;
  for (uint64_t v = static_cast<uint64_t>(unit_elems); v > 1; v >>= 1) ++bits;
  return bits / 2;
}

const TileParams& TuningTable::Lookup(OpKind op, simdnorm_layout layout,
                                      simdnorm_dtype dtype, int64_t target,
                                      int64_t unit_elems) const {
  if (entries_.empty()) return DefaultTileParams();
  const TuningEntry* e =
      Applying(op, layout, dtype, target, ShapeBucket(unit_elems));
  return e != nullptr ? e->params : DefaultTileParams();
}

const TuningEntry* TuningTable::Applying(OpKind op, simdnorm_layout layout,
                                         simdnorm_dtype dtype, int64_t target,
                                         int bucket) const {
  const TuningEntry* e = Find(op, layout, dtype, target, bucket);
  if (e == nullptr && dtype != SIMDNORM_F32) {
    e = Find(op, layout, SIMDNORM_F32, target, bucket);
  }
  return e;
}

const TuningEntry* TuningTable::Find(OpKind op, simdnorm_layout layout,
                                     simdnorm_dtype dtype, int64_t target,
                                     int bucket) const {
  for (const TuningEntry& e : entries_) {
    if (SameKey(e, op, layout, dtype, target, bucket)) return &e;
  }
  return nullptr;
}

void TuningTable::Set(const TuningEntry& entry) {
  for (TuningEntry& e : entries_) {
    if (SameKey(e, entry.op, entry.layout, entry.dtype, entry.target,
                entry.bucket)) {
      e = entry;
      return;
    }
  }
  entries_.push_back(entry);
}

void TuningTable::Erase(OpKind op, simdnorm_layout layout,
                        simdnorm_dtype dtype, int64_t target, int bucket) {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (SameKey(entries_[i], op, layout, dtype, target, bucket)) {
      entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  }
}

}  // namespace simdnorm::internal
