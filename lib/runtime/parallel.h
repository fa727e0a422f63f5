// Runs a range of independent work units on the context's threads (oneTBB,
// or the runtime's parallel runner), or inline on the caller's thread when
// that is cheaper. The one place where simdnorm hands out parallel work.
#ifndef SIMDNORM_RUNTIME_PARALLEL_H_
#define SIMDNORM_RUNTIME_PARALLEL_H_

#include <cstdint>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include "runtime/context.h"

namespace simdnorm::internal {

// body(begin, end) over [0, count) split into ranges of `grain` units.
// With a runner: ceil(count / grain) tasks, task i = [i * grain,
// min(count, (i + 1) * grain)), in one call of the runner (contract in
// simdnorm.h: any order, concurrently, maybe on this thread, each once).
// Calls here are never nested (no ParallelFor inside a body). Returns when
// every range is done; rethrows the first exception of a body.
void RunOnRunner(const simdnorm_context& ctx, int64_t count, int64_t grain,
                 void (*range)(const void* body, int64_t begin, int64_t end),
                 const void* body);

// body(begin, end) over [0, count) in tasks of at least `grain` units.
// Each unit is computed entirely by one call, so results do not depend on
// the split: oneTBB's ranges, the runner's tasks and one inline call give
// the same bits.
template <class Body>
void ParallelFor(const simdnorm_context& ctx, int64_t count, int64_t grain,
                 const Body& body) {
  if (grain < 1) grain = 1;
  if (ctx.concurrency <= 1 || count <= grain) {
    body(int64_t{0}, count);
    return;
  }
  if (ctx.runner != nullptr) {
    RunOnRunner(
        ctx, count, grain,
        [](const void* b, int64_t begin, int64_t end) {
          (*static_cast<const Body*>(b))(begin, end);
        },
        &body);
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
