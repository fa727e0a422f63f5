// How many work units a parallel task takes: the one partitioning rule of
// the ops. A task moves at least task_bytes (so that scheduling costs stay
// small next to it), but the work is cut into at least kTasksPerThread
// tasks per thread whenever there are enough units, so that 16 to 128
// threads stay balanced when one of them is slow or descheduled (with 2
// threads the byte rule alone decides for all but small problems). Only
// the split changes with the thread count, never a result: every unit is
// computed whole by one task.
#ifndef SIMDNORM_OPS_PARTITION_H_
#define SIMDNORM_OPS_PARTITION_H_

#include <algorithm>
#include <cstdint>

#include "runtime/context.h"

namespace simdnorm::internal {

constexpr int64_t kTasksPerThread = 4;

// Units per task for `count` units of `unit_bytes` each (read + written).
inline int64_t TaskGrain(const simdnorm_context& ctx, int64_t count,
                         int64_t unit_bytes, int64_t task_bytes) {
  const int64_t by_bytes = task_bytes / std::max<int64_t>(1, unit_bytes);
  const int64_t tasks = kTasksPerThread * int64_t{ctx.concurrency};
  const int64_t balanced = (count + tasks - 1) / tasks;
  return std::max<int64_t>(1, std::min(by_bytes, balanced));
}

}  // namespace simdnorm::internal

#endif  // SIMDNORM_OPS_PARTITION_H_
