// When a two-pass channel op reads the next unit's statistics during this
// unit's normalize pass: the one rule of the channel ops.
#ifndef SIMDNORM_OPS_PREFETCH_H_
#define SIMDNORM_OPS_PREFETCH_H_

#include <cstdint>

#include "runtime/tuning.h"

namespace simdnorm::internal {

// Whether an op's tensors (x and y: tensor_bytes) come from memory rather
// than from the last-level cache: they exceed a third of stream_bytes (by
// default that cache's size, see DefaultTileParams; a process keeps only
// a share of a cache that other cores use too). Only then does reading the
// next unit during this one's normalize pass pay: its reads overlap with
// the stores, as in a copy. Measured on a 35.8 MiB L3: with read-ahead,
// GroupNorm NCHW 1x512x256x256 G32 ran at 1.38x memcpy instead of 1.46x
// and InstanceNorm 8x128x64x64 (x and y 17 MiB) at 1.0-1.19x instead of
// 1.27-1.34x; without it, GroupNorm 1x320x64x64 G32 (10 MiB) at 1.30x
// instead of 1.47x (the read-ahead only added traffic beside y's stores).
inline bool TensorsFromMemory(int64_t tensor_bytes, const TileParams& t) {
  return tensor_bytes > t.stream_bytes / 3;
}

}  // namespace simdnorm::internal

#endif  // SIMDNORM_OPS_PREFETCH_H_
