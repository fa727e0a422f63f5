// The cache sizes that the default tile parameters derive from.
#ifndef SIMDNORM_RUNTIME_CACHE_SIZE_H_
#define SIMDNORM_RUNTIME_CACHE_SIZE_H_

#include <cstdint>

namespace simdnorm::internal {

// Bytes of the last-level cache that one core shares with its neighbours
// (on AMD the L3 of one core complex, not the sum over the package); at
// least 1 MiB, 8 MiB where the system does not say.
int64_t LastLevelCacheBytes();

// The default stream_bytes: outputs of at least this many bytes are
// written with non-temporal stores.
int64_t DefaultStreamBytes();

}  // namespace simdnorm::internal

#endif  // SIMDNORM_RUNTIME_CACHE_SIZE_H_
