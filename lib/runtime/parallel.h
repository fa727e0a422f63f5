// Runs a range of independent work units on the context's threads, or
// inline on the caller's thread when that is cheaper.
#ifndef SIMDNORM_RUNTIME_PARALLEL_H_
#define SIMDNORM_RUNTIME_PARALLEL_H_

#include <cstdint>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include "runtime/context.h"

namespace simdnorm::internal {

// body(begin, end) over [0, count) in tasks of at least `grain` units.
// Each unit is computed entirely by one call, so results do not depend on
// the split.
template <class Body>
void ParallelFor(const simdnorm_context& ctx, int64_t count, int64_t grain,
                 const Body& body) {
  if (grain < 1) grain = 1;
  if (ctx.concurrency <= 1 || count <= grain) {
    body(int64_t{0}, count);
    return;
  }
  ctx.arena->execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<int64_t>(0, count, grain),
        [&](const tbb::blocked_range<int64_t>& r) { body(r.begin(), r.end()); },
        tbb::simple_partitioner());
  });
}

// Whether a problem moving `bytes` is worth spreading over threads.
inline bool WorthParallel(const simdnorm_context& ctx, int64_t bytes,
                          int64_t inline_bytes) {
  return ctx.concurrency > 1 && bytes >= inline_bytes;
}

}  // namespace simdnorm::internal

#endif  // SIMDNORM_RUNTIME_PARALLEL_H_
