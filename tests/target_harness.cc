#include "target_harness.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>

namespace simdnorm_test {
namespace {

std::mutex g_mutex;
std::set<std::string>& TargetsRun() {
  static std::set<std::string> targets;
  return targets;
}

bool Contains(const std::vector<std::string>& list, const std::string& s) {
  for (const std::string& item : list) {
    if (item == s) return true;
  }
  return false;
}

// After all tests, when SIMDNORM_EXPECT_TARGETS is set (by ctest, per
// machine or qemu CPU): each supported target and each expected target
// must have run kernel tests. Catches a target silently missing from the build
// or from the CPU detection.
class TargetCoverageCheck : public ::testing::Environment {
 public:
  void TearDown() override {
    std::string ran;
    for (const std::string& t : TargetsRun()) ran += (ran.empty() ? "" : ",") + t;
    std::printf("[ targets  ] kernel tests ran on: %s\n", ran.c_str());
    // Checked only where the build names what to expect (a filtered or
    // single-test run need not cover every target).
    const char* expected = std::getenv("SIMDNORM_EXPECT_TARGETS");
    if (expected == nullptr) return;
    for (const std::string& t : SupportedTargetNames()) {
      EXPECT_EQ(TargetsRun().count(t), 1u) << "no kernel test ran on " << t;
    }
    for (const std::string& t : SplitList(expected)) {
      EXPECT_TRUE(Contains(SupportedTargetNames(), t))
          << "expected target " << t << " is not supported here (supported: "
          << simdnorm_supported_targets() << ")";
      EXPECT_EQ(TargetsRun().count(t), 1u) << "no kernel test ran on " << t;
    }
  }
};

::testing::Environment* const g_coverage_check =
    ::testing::AddGlobalTestEnvironment(new TargetCoverageCheck);

}  // namespace

std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = list.find(',', start);
    const size_t end = comma == std::string::npos ? list.size() : comma;
    if (end > start) out.push_back(list.substr(start, end - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::vector<std::string> SupportedTargetNames() {
  return SplitList(simdnorm_supported_targets());
}

void RecordTargetRun(const std::string& target) {
  std::lock_guard<std::mutex> lock(g_mutex);
  TargetsRun().insert(target);
}

void TargetTest::SetUp() {
  ctx_.set_target(GetParam().c_str());
  ASSERT_EQ(ctx_.target(), GetParam());
  RecordTargetRun(GetParam());
}

simdnorm::Context TargetTest::ctx_threads(int threads) const {
  simdnorm::Context c(threads, GetParam().c_str());
  return c;
}

::testing::AssertionResult FailedWith(simdnorm_status status,
                                      simdnorm_status want,
                                      const std::string& message) {
  const std::string error = simdnorm_last_error();
  if (status != want) {
    return ::testing::AssertionFailure()
           << "status " << simdnorm_status_string(status) << ", expected "
           << simdnorm_status_string(want) << " (last error \"" << error
           << "\")";
  }
  if (error.find(message) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "message \"" << error << "\" lacks \"" << message << "\"";
  }
  return ::testing::AssertionSuccess();
}

std::string SelfPath() {
  char path[4096];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return std::string();
  path[n] = '\0';
  return path;
}

}  // namespace simdnorm_test
