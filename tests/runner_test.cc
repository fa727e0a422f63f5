// A runtime's own parallel runner instead of oneTBB: every op (split
// reductions included) gives the bits of the oneTBB context through a
// thread pool, a serial runner and a runner that runs tasks in reverse;
// a runner context starts no oneTBB threads; runners that break the
// contract are reported; the setter's errors.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "op_cases.h"
#include "reference.h"
#include "target_harness.h"

namespace simdnorm_test {
namespace {

// Counts the runner's calls and tasks (runners may be called concurrently).
struct RunnerStats {
  std::atomic<int64_t> calls{0};
  std::atomic<int64_t> tasks{0};
};

void SerialRunner(void* user_data, int64_t count, simdnorm_task_fn fn,
                  void* task_ctx) {
  auto* stats = static_cast<RunnerStats*>(user_data);
  ++stats->calls;
  stats->tasks += count;
  for (int64_t i = 0; i < count; ++i) fn(task_ctx, i);
}

void ReverseRunner(void* user_data, int64_t count, simdnorm_task_fn fn,
                   void* task_ctx) {
  auto* stats = static_cast<RunnerStats*>(user_data);
  ++stats->calls;
  stats->tasks += count;
  for (int64_t i = count - 1; i >= 0; --i) fn(task_ctx, i);
}

// A small pool of std::threads, as a runtime would have: the caller and the
// workers take task indices from a shared counter, a worker first. One call at a time (a
// concurrent caller waits for the pool).
class ThreadPool {
 public:
  explicit ThreadPool(int workers) {
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { Work(); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  static void Runner(void* user_data, int64_t count, simdnorm_task_fn fn,
                     void* task_ctx) {
    static_cast<ThreadPool*>(user_data)->Run(count, fn, task_ctx);
  }

  RunnerStats stats;
  // Tasks that ran on a worker rather than on the calling thread.
  std::atomic<int64_t> tasks_on_workers{0};

 private:
  struct Job {
    int64_t count;
    simdnorm_task_fn fn;
    void* task_ctx;
    std::atomic<int64_t> next{0};
    std::atomic<bool> worker_claimed{false};
  };

  void Run(int64_t count, simdnorm_task_fn fn, void* task_ctx) {
    const std::lock_guard<std::mutex> one_job(run_mutex_);
    ++stats.calls;
    stats.tasks += count;
    Job job{count, fn, task_ctx};
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &job;
      ++generation_;
    }
    wake_.notify_all();
    // The caller joins once a worker has claimed a task: a short job could
    // otherwise run whole on the caller before any worker wakes, and
    // whether the workers ran anything would be up to the scheduler.
    while (count > 0 && !job.worker_claimed.load()) std::this_thread::yield();
    Take(&job, false);
    std::unique_lock<std::mutex> lock(mutex_);
    job_ = nullptr;
    idle_.wait(lock, [&] { return active_ == 0; });
  }

  void Take(Job* job, bool worker) {
    for (int64_t i; (i = job->next++) < job->count;) {
      if (worker) {
        job->worker_claimed = true;
        ++tasks_on_workers;
      }
      job->fn(job->task_ctx, i);
    }
  }

  void Work() {
    std::unique_lock<std::mutex> lock(mutex_);
    uint64_t seen = 0;
    for (;;) {
      wake_.wait(lock, [&] {
        return stop_ || (job_ != nullptr && generation_ != seen);
      });
      if (stop_) return;
      seen = generation_;
      Job* job = job_;
      ++active_;
      lock.unlock();
      Take(job, true);
      lock.lock();
      if (--active_ == 0) idle_.notify_all();
    }
  }

  std::mutex run_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_, idle_;
  Job* job_ = nullptr;
  uint64_t generation_ = 0;
  int active_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

void SetRunner(const simdnorm::Context& c, simdnorm_parallel_runner runner,
               void* user_data, int max_concurrency) {
  ASSERT_EQ(simdnorm_context_set_parallel_runner(c.get(), runner, user_data,
                                                 max_concurrency),
            SIMDNORM_OK)
      << simdnorm_last_error();
}

struct RunnerCase {
  OpShape shape;
  bool small_tiles;
};

// Every op and layout, on the paths that hand out work: many units, one
// unit split across tasks (N = 1, one long row, few channels).
const RunnerCase kCases[] = {
    {{SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, 300, 1024, 1, 1}, false},
    {{SIMDNORM_OP_RMS_NORM, SIMDNORM_NCHW, 300, 1024, 1, 1}, false},
    {{SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, 1, 100003, 1, 1}, false},
    {{SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, 2, 20000, 1, 1}, true},
    {{SIMDNORM_OP_RMS_NORM, SIMDNORM_NCHW, 1, 20000, 1, 1}, true},
    {{SIMDNORM_OP_GROUP_NORM, SIMDNORM_NCHW, 1, 8, 4096, 2}, true},
    {{SIMDNORM_OP_GROUP_NORM, SIMDNORM_NHWC, 1, 32, 1024, 4}, true},
    {{SIMDNORM_OP_GROUP_NORM, SIMDNORM_NCHW, 6, 32, 1000, 8}, true},
    {{SIMDNORM_OP_GROUP_NORM, SIMDNORM_NHWC, 6, 32, 1000, 8}, true},
    {{SIMDNORM_OP_GROUP_NORM, SIMDNORM_NHWC, 40, 16, 200, 4}, false},
    {{SIMDNORM_OP_INSTANCE_NORM, SIMDNORM_NCHW, 2, 16, 3000, 16}, true},
    {{SIMDNORM_OP_INSTANCE_NORM, SIMDNORM_NHWC, 2, 16, 3000, 16}, true},
    {{SIMDNORM_OP_BATCH_NORM_INFERENCE, SIMDNORM_NCHW, 8, 16, 500, 1}, true},
    {{SIMDNORM_OP_BATCH_NORM_INFERENCE, SIMDNORM_NHWC, 8, 16, 500, 1}, true},
    {{SIMDNORM_OP_BATCH_NORM_TRAINING, SIMDNORM_NCHW, 8, 3, 2000, 1}, true},
    {{SIMDNORM_OP_BATCH_NORM_TRAINING, SIMDNORM_NCHW, 8, 32, 500, 1}, true},
    {{SIMDNORM_OP_BATCH_NORM_TRAINING, SIMDNORM_NHWC, 8, 32, 500, 1}, true},
};

class RunnerTest : public TargetTest {
 protected:
  // A context on this target whose tasks go to `runner`.
  simdnorm::Context WithRunner(simdnorm_parallel_runner runner, void* user_data,
                               int max_concurrency) const {
    simdnorm::Context c = ctx_threads(0);
    SetRunner(c, runner, user_data, max_concurrency);
    return c;
  }
};

TEST_P(RunnerTest, EveryOpGivesTheBitsOfOneTbb) {
  RunnerStats serial, reverse;
  ThreadPool pool(3);
  struct Runner {
    const char* name;
    simdnorm::Context ctx;
    RunnerStats* stats;
  };
  Runner runners[] = {
      {"serial", WithRunner(&SerialRunner, &serial, 4), &serial},
      {"reverse", WithRunner(&ReverseRunner, &reverse, 4), &reverse},
      {"pool", WithRunner(&ThreadPool::Runner, &pool, 4), &pool.stats},
  };
  simdnorm::Context tbb = ctx_threads(2);
  const simdnorm::TileParams small = SmallTiles();
  for (const RunnerCase& rc : kCases) {
    const OpShape& k = rc.shape;
    SCOPED_TRACE(Describe(k) + (rc.small_tiles ? ", small tiles" : ""));
    const simdnorm_tile_params* params = rc.small_tiles ? &small : nullptr;
    tbb.set_tile_params(k.op, k.layout, UnitElems(k), params);
    const std::vector<float> want = RunOp(k, tbb);
    for (Runner& r : runners) {
      SCOPED_TRACE(r.name);
      r.ctx.set_tile_params(k.op, k.layout, UnitElems(k), params);
      const int64_t calls = r.stats->calls;
      const std::vector<float> got = RunOp(k, r.ctx);
      ASSERT_EQ(got.size(), want.size());
      EXPECT_EQ(
          std::memcmp(got.data(), want.data(), want.size() * sizeof(float)), 0);
      // Each case is large enough to hand out work.
      EXPECT_GT(r.stats->calls, calls) << "the runner was not called";
    }
  }
  EXPECT_GT(pool.tasks_on_workers, 0) << "no task ran on the pool's threads";
}

// The residual bias's pre-pass goes through the runner too.
TEST_P(RunnerTest, ResidualBiasGivesTheBitsOfOneTbb) {
  const int64_t rows = 64, cols = 4096;
  const auto x = RandomNormal(rows * cols, 1.0, 2.0, 41);
  const auto residual = RandomNormal(rows * cols, 0.0, 1.0, 42);
  const auto bias = RandomNormal(cols, 2.0, 1.0, 43);
  const auto run = [&](const simdnorm::Context& c) {
    std::vector<float> y(x.size()), sum(x.size()), rstd(rows);
    simdnorm::RowNormArgs a;
    a.rows = rows;
    a.cols = cols;
    a.x = x.data();
    a.residual = residual.data();
    a.residual_bias = bias.data();
    a.sum_out = sum.data();
    a.y = y.data();
    a.rstd = rstd.data();
    simdnorm::LayerNorm(a, &c);
    y.insert(y.end(), sum.begin(), sum.end());
    y.insert(y.end(), rstd.begin(), rstd.end());
    return y;
  };
  ThreadPool pool(2);
  const simdnorm::Context c = WithRunner(&ThreadPool::Runner, &pool, 3);
  EXPECT_EQ(run(c), run(ctx_threads(2)));
  EXPECT_GT(pool.stats.calls, 0);
}

// The runner may be called from several threads at once.
TEST_P(RunnerTest, ConcurrentOpsShareTheRunner) {
  ThreadPool pool(2);
  const simdnorm::Context c = WithRunner(&ThreadPool::Runner, &pool, 3);
  const OpShape k{SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, 300, 1024, 1, 1};
  const std::vector<float> want = RunOp(k, ctx_threads(1));
  std::atomic<int> mismatches{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 3; ++t) {
    callers.emplace_back([&] {
      for (int i = 0; i < 4; ++i) {
        if (RunOp(k, c) != want) ++mismatches;
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(mismatches, 0);
  EXPECT_GT(pool.stats.calls, 0);
}

SIMDNORM_INSTANTIATE_FOR_TARGETS(RunnerTest);

// -------------------------------------------------- the context's setter

TEST(RunnerContextTest, SetterAndThreads) {
  RunnerStats stats;
  simdnorm::Context c(1);
  ASSERT_EQ(simdnorm_context_set_threads(c.get(), 2), SIMDNORM_OK);
  const int tbb_threads = c.threads();
  SetRunner(c, &SerialRunner, &stats, 7);
  EXPECT_EQ(c.threads(), 7) << "max_concurrency is the context's concurrency";
  // Thread counts belong to oneTBB.
  EXPECT_TRUE(FailedWith(
      simdnorm_context_set_threads(c.get(), 1), SIMDNORM_INVALID_ARGUMENT,
      "simdnorm_context_set_threads: the context has a parallel runner"));
  EXPECT_EQ(c.threads(), 7);
  for (const int bad : {0, -1, SIMDNORM_MAX_THREADS + 1}) {
    EXPECT_TRUE(FailedWith(simdnorm_context_set_parallel_runner(
                               c.get(), &ReverseRunner, &stats, bad),
                           SIMDNORM_INVALID_ARGUMENT,
                           "simdnorm_context_set_parallel_runner: "
                           "max_concurrency (" +
                               std::to_string(bad) + ") must be in [1, 1024]"));
    EXPECT_EQ(c.threads(), 7) << "failed call changed the context";
  }
  EXPECT_TRUE(FailedWith(
      simdnorm_context_set_parallel_runner(nullptr, &SerialRunner, &stats, 2),
      SIMDNORM_INVALID_ARGUMENT,
      "simdnorm_context_set_parallel_runner: ctx is null"));
  // NULL: oneTBB again, with the thread count set before.
  SetRunner(c, nullptr, nullptr, 0);
  EXPECT_EQ(c.threads(), tbb_threads);
  EXPECT_EQ(simdnorm_context_set_threads(c.get(), 1), SIMDNORM_OK);
  EXPECT_EQ(c.threads(), 1);
}

// max_concurrency 1: every op on the calling thread, never the runner.
TEST(RunnerContextTest, ConcurrencyOneNeverCallsTheRunner) {
  RunnerStats stats;
  simdnorm::Context c;
  SetRunner(c, &SerialRunner, &stats, 1);
  const OpShape k{SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, 300, 1024, 1, 1};
  EXPECT_EQ(RunOp(k, c), RunOp(k, simdnorm::Context(1)));
  EXPECT_EQ(stats.calls, 0);
}

// Runners that break the contract make the op fail with a message.
void SkipLastRunner(void*, int64_t count, simdnorm_task_fn fn, void* task_ctx) {
  for (int64_t i = 0; i + 1 < count; ++i) fn(task_ctx, i);
}
void OutOfRangeRunner(void*, int64_t count, simdnorm_task_fn fn,
                      void* task_ctx) {
  for (int64_t i = 0; i <= count; ++i) fn(task_ctx, i);
}
void TwiceRunner(void*, int64_t count, simdnorm_task_fn fn, void* task_ctx) {
  for (int round = 0; round < 2; ++round) {
    for (int64_t i = 0; i < count; ++i) fn(task_ctx, i);
  }
}

TEST(RunnerContextTest, BrokenRunnersAreReported) {
  struct Broken {
    simdnorm_parallel_runner runner;
    const char* message;
  };
  const Broken cases[] = {
      {&SkipLastRunner, " task calls for "},
      {&OutOfRangeRunner, "and an index out of range"},
      {&TwiceRunner, " must run once"},
  };
  const int64_t rows = 300, cols = 1024;
  const auto x = RandomNormal(rows * cols, 0.0, 1.0, 44);
  std::vector<float> y(x.size());
  for (const Broken& b : cases) {
    simdnorm::Context c;
    SetRunner(c, b.runner, nullptr, 4);
    simdnorm_row_norm_args a;
    simdnorm_row_norm_args_init(&a);
    a.rows = rows;
    a.cols = cols;
    a.x = x.data();
    a.y = y.data();
    EXPECT_EQ(simdnorm_layer_norm(c.get(), &a), SIMDNORM_INTERNAL_ERROR);
    const std::string message = simdnorm_last_error();
    EXPECT_EQ(message.rfind("simdnorm_layer_norm: the parallel runner returned "
                            "after ",
                            0),
              0u)
        << message;
    EXPECT_NE(message.find(b.message), std::string::npos) << message;
  }
}

// A runner context never starts oneTBB work: checked in a child process
// (this binary again), which counts its own threads after running every
// case on a serial runner; the same count on a oneTBB context shows that
// the check sees oneTBB's workers.

int ThreadCount() {
  int count = 0;
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  while (const dirent* e = ::readdir(dir)) count += e->d_name[0] != '.';
  ::closedir(dir);
  return count;
}

TEST(RunnerThreadsChild, CountThreads) {
  const char* mode = std::getenv("SIMDNORM_RUNNER_CHILD");
  if (mode == nullptr) GTEST_SKIP() << "runs as a child of another test";
  ASSERT_EQ(ThreadCount(), 1);
  RunnerStats stats;
  simdnorm::Context c;
  const bool runner = std::string(mode) == "runner";
  if (runner) SetRunner(c, &SerialRunner, &stats, 4);
  ASSERT_GT(c.threads(), 1);
  const simdnorm::TileParams small = SmallTiles();
  for (const RunnerCase& rc : kCases) {
    c.set_tile_params(rc.shape.op, rc.shape.layout, UnitElems(rc.shape),
                      rc.small_tiles ? &small : nullptr);
    RunOp(rc.shape, c);
  }
  if (runner) {
    EXPECT_GT(stats.calls, 0);
    EXPECT_EQ(ThreadCount(), 1) << "threads started with a runner";
  } else {
    EXPECT_GT(ThreadCount(), 1) << "oneTBB's workers were not seen";
  }
}

TEST(RunnerContextTest, NeverStartsOneTbbThreads) {
  if (SelfPath().empty()) GTEST_SKIP() << "no /proc/self/exe";
#ifdef SIMDNORM_TESTS_UNDER_EMULATOR
  GTEST_SKIP() << "the child would need the emulator too (checked natively)";
#endif
  if (simdnorm::Context().threads() < 2) {
    GTEST_SKIP() << "one core: oneTBB starts no workers either";
  }
  for (const char* mode : {"runner", "tbb"}) {
    const std::string command =
        std::string("env -u SIMDNORM_EXPECT_TARGETS SIMDNORM_RUNNER_CHILD=") +
        mode + " '" + SelfPath() +
        "' --gtest_filter=RunnerThreadsChild.* > /dev/null 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << mode;
  }
}

}  // namespace
}  // namespace simdnorm_test
