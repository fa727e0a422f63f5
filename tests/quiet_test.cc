// The library never writes to stdout or stderr, whatever the caller asks
// for: contexts with more threads than cores (oneTBB would warn), a process
// bound to one core, bad environment variables, failing calls. Checked in
// child processes (this binary again) whose stderr goes to a file.
#include <gtest/gtest.h>
#include <sched.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "simdnorm/simdnorm.h"
#include "target_harness.h"

namespace simdnorm_test {
namespace {

// Every op once on ctx, large enough to run on several threads.
void RunEveryOp(simdnorm_context* ctx) {
  const int64_t rows = 64, cols = 4096;
  std::vector<float> x(rows * cols), y(x.size()), sum(x.size());
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 13);
  simdnorm_row_norm_args r;
  simdnorm_row_norm_args_init(&r);
  r.rows = rows;
  r.cols = cols;
  r.x = x.data();
  r.y = y.data();
  r.residual = x.data();
  r.sum_out = sum.data();
  simdnorm_layer_norm(ctx, &r);
  simdnorm_rms_norm(ctx, &r);
  r.rows = 1;  // one long row: the split reduction
  r.cols = rows * cols;
  simdnorm_layer_norm(ctx, &r);

  simdnorm_group_norm_args g;
  simdnorm_group_norm_args_init(&g);
  g.batch = 2;
  g.channels = 32;
  g.spatial = rows * cols / 64;
  g.groups = 8;
  g.x = x.data();
  g.y = y.data();
  for (int layout : {SIMDNORM_NCHW, SIMDNORM_NHWC}) {
    g.layout = static_cast<simdnorm_layout>(layout);
    simdnorm_group_norm(ctx, &g);
    simdnorm_instance_norm(ctx, &g);
  }
  g.groups = 5;  // a failing call
  simdnorm_group_norm(ctx, &g);

  std::vector<float> running_mean(32, 0.5f), running_var(32, 2.0f);
  simdnorm_batch_norm_args b;
  simdnorm_batch_norm_args_init(&b);
  b.batch = 2;
  b.channels = 32;
  b.spatial = g.spatial;
  b.x = x.data();
  b.y = y.data();
  b.running_mean = running_mean.data();
  b.running_var = running_var.data();
  simdnorm_batch_norm_inference(ctx, &b);
  b.update_running_stats = 1;
  simdnorm_batch_norm_training(ctx, &b);
}

// The child: every op with contexts of many thread counts, the default
// context, and failing calls; optionally bound to one core first.
TEST(QuietChild, EveryCall) {
  const char* mode = std::getenv("SIMDNORM_QUIET_CHILD");
  if (mode == nullptr) GTEST_SKIP() << "runs as a child of another test";
  if (std::string(mode) == "one_core") {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
  }
  RunEveryOp(nullptr);
  for (int threads : {0, 1, 2, 3, 8, 64, SIMDNORM_MAX_THREADS}) {
    simdnorm_context* ctx = nullptr;
    ASSERT_EQ(simdnorm_context_create(&ctx), SIMDNORM_OK);
    ASSERT_EQ(simdnorm_context_set_threads(ctx, threads), SIMDNORM_OK);
    if (std::string(mode) == "one_core") {
      EXPECT_EQ(simdnorm_context_threads(ctx), 1);
    }
    RunEveryOp(ctx);
    simdnorm_context_set_target(ctx, "NOT_A_TARGET");
    simdnorm_context_load_tuning(ctx, "/nonexistent/tuning.json");
    simdnorm_context_destroy(ctx);
  }
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(QuietTest, NothingOnStderrFromAnyCall) {
  if (SelfPath().empty()) GTEST_SKIP() << "no /proc/self/exe";
#ifdef SIMDNORM_TESTS_UNDER_EMULATOR
  GTEST_SKIP() << "the child would need the emulator too (checked natively)";
#endif
  const std::string err = ::testing::TempDir() + "simdnorm_quiet_stderr.txt";
  const char* const kRuns[] = {
      "SIMDNORM_QUIET_CHILD=all_cores",
      "SIMDNORM_QUIET_CHILD=one_core",
      ("SIMDNORM_QUIET_CHILD=all_cores SIMDNORM_TARGET=NOT_A_TARGET "
       "SIMDNORM_TUNING=/nonexistent/tuning.json"),
  };
  for (const char* run : kRuns) {
    SCOPED_TRACE(run);
    const std::string command =
        std::string("env -u SIMDNORM_EXPECT_TARGETS -u SIMDNORM_TARGET -u "
                    "SIMDNORM_TUNING ") +
        run + " '" + SelfPath() +
        "' --gtest_filter=QuietChild.* > /dev/null 2> '" + err + "'";
    EXPECT_EQ(std::system(command.c_str()), 0);
    EXPECT_EQ(ReadAll(err), "");
  }
  std::remove(err.c_str());
}

}  // namespace
}  // namespace simdnorm_test
