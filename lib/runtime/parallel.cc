#include "runtime/parallel.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <exception>
#include <mutex>
#include <stdexcept>

#include "common/contract.h"

namespace simdnorm::internal {
namespace {

// One call of the runner: what its tasks run and how they went.
struct RunnerCall {
  void (*range)(const void* body, int64_t begin, int64_t end);
  const void* body;
  int64_t count;
  int64_t grain;
  int64_t tasks;
  std::atomic<int64_t> ran{0};         // task_fn calls with a valid index
  std::atomic<bool> bad_index{false};  // a call with an invalid one
  std::atomic<bool> failed{false};     // a body threw: skip the rest
  std::mutex error_mutex;
  std::exception_ptr error;  // the first exception
};

// Set while this thread runs a task of a runner: simdnorm never hands out
// work from inside a task (checked in Debug builds).
thread_local bool t_in_task = false;

// The task_fn handed to runners: never throws (the runner's frames are
// not ours to unwind).
void RunTask(void* task_ctx, int64_t index) {
  auto* call = static_cast<RunnerCall*>(task_ctx);
  if (index < 0 || index >= call->tasks) {
    call->bad_index.store(true, std::memory_order_relaxed);
    return;
  }
  call->ran.fetch_add(1, std::memory_order_relaxed);
  if (call->failed.load(std::memory_order_relaxed)) return;
  const bool was_in_task = t_in_task;
  t_in_task = true;
  try {
    const int64_t begin = index * call->grain;
    call->range(call->body, begin, std::min(call->count, begin + call->grain));
  } catch (...) {
    const std::lock_guard<std::mutex> lock(call->error_mutex);
    if (!call->error) call->error = std::current_exception();
    call->failed.store(true, std::memory_order_relaxed);
  }
  t_in_task = was_in_task;
}

}  // namespace

void RunOnRunner(const simdnorm_context& ctx, int64_t count, int64_t grain,
                 void (*range)(const void* body, int64_t begin, int64_t end),
                 const void* body) {
  SIMDNORM_DASSERT(!t_in_task);
  RunnerCall call;
  call.range = range;
  call.body = body;
  call.count = count;
  call.grain = grain;
  call.tasks = (count + grain - 1) / grain;
  ctx.runner(ctx.runner_data, call.tasks, &RunTask, &call);
  if (call.error) std::rethrow_exception(call.error);
  const int64_t ran = call.ran.load();
  if (call.bad_index.load() || ran != call.tasks) {
    char message[192];
    std::snprintf(message, sizeof(message),
                  "the parallel runner returned after %lld task calls for "
                  "%lld tasks%s (each index in [0, %lld) must run once)",
                  static_cast<long long>(ran),
                  static_cast<long long>(call.tasks),
                  call.bad_index.load() ? " and an index out of range" : "",
                  static_cast<long long>(call.tasks));
    throw std::runtime_error(message);
  }
}

}  // namespace simdnorm::internal
