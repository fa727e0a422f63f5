// Runs kernel tests once per ISA target this CPU supports: a parameterized
// fixture whose context is pinned to the target, plus a global check that
// every supported (and every expected) target really ran a test.
#ifndef SIMDNORM_TESTS_TARGET_HARNESS_H_
#define SIMDNORM_TESTS_TARGET_HARNESS_H_

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "simdnorm/simdnorm.hpp"

namespace simdnorm_test {

std::vector<std::string> SplitList(const std::string& list);
// simdnorm_supported_targets() as a list, best first.
std::vector<std::string> SupportedTargetNames();
// This test binary's path ("" if unknown), to rerun it as a child process.
std::string SelfPath();
// Marks `target` as exercised by a kernel test.
void RecordTargetRun(const std::string& target);

// A call that failed as it should: `status` is `want` and
// simdnorm_last_error() contains `message`.
::testing::AssertionResult FailedWith(simdnorm_status status,
                                      simdnorm_status want,
                                      const std::string& message);

// Fixture: ctx() is pinned to GetParam() and uses all cores;
// ctx_threads(n) gives a context on the same target with n threads.
class TargetTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  const simdnorm::Context& ctx() const { return ctx_; }
  simdnorm::Context ctx_threads(int threads) const;
  simdnorm_context* raw() const { return ctx_.get(); }

 private:
  simdnorm::Context ctx_;
};

}  // namespace simdnorm_test

// Instantiates a TargetTest-derived suite for every supported target; test
// names end in the target, e.g. LayerNormTest.Sizes/AVX3.
#define SIMDNORM_INSTANTIATE_FOR_TARGETS(suite)                           \
  INSTANTIATE_TEST_SUITE_P(                                               \
      , suite, ::testing::ValuesIn(simdnorm_test::SupportedTargetNames()), \
      [](const ::testing::TestParamInfo<std::string>& info) {             \
        return info.param;                                                \
      })

#endif  // SIMDNORM_TESTS_TARGET_HARNESS_H_
