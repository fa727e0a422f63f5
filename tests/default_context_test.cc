// The process-default context (NULL) follows SIMDNORM_TARGET; ctest runs
// this binary with valid, lower-case, aliased and invalid values of it. A
// value it cannot use leaves the best target in place, with a warning.
#include <gtest/gtest.h>
#include <strings.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "simdnorm/simdnorm.h"
#include "target_harness.h"

namespace simdnorm_test {
namespace {

// The supported target SIMDNORM_TARGET names ("" if none: then the best
// target applies and a warning is expected).
std::string WantedTarget(const std::string& env) {
  if (env.empty() || ::strcasecmp(env.c_str(), "best") == 0) {
    return simdnorm_best_target();
  }
  const std::string name =
      ::strcasecmp(env.c_str(), "AVX512") == 0 ? "AVX3" : env;
  for (const std::string& t : SupportedTargetNames()) {
    if (::strcasecmp(t.c_str(), name.c_str()) == 0) return t;
  }
  return "";
}

TEST(DefaultContextTest, FollowsSimdnormTarget) {
  std::vector<float> x(64, 2.0f), y(64, -1.0f);
  simdnorm_row_norm_args args;
  simdnorm_row_norm_args_init(&args);
  args.rows = 8;
  args.cols = 8;
  args.x = x.data();
  args.y = y.data();
  // Setting up the default context is not a failure of this call.
  simdnorm_layer_norm(nullptr, nullptr);
  const std::string earlier_error = simdnorm_last_error();
  ASSERT_EQ(simdnorm_layer_norm(nullptr, &args), SIMDNORM_OK)
      << simdnorm_last_error();
  EXPECT_EQ(y[0], 0.0f);
  EXPECT_EQ(simdnorm_last_error(), earlier_error);

  const char* env = std::getenv("SIMDNORM_TARGET");
  const std::string wanted = WantedTarget(env ? env : "");
  const std::string warnings = simdnorm_context_warnings(nullptr);
  const std::string tuning_warnings = simdnorm_context_tuning_warnings(nullptr);
  // ctest sets SIMDNORM_TUNING only to a file that does not exist.
  const char* tuning = std::getenv("SIMDNORM_TUNING");
  if (tuning != nullptr && tuning[0] != '\0') {
    EXPECT_EQ(tuning_warnings.rfind("SIMDNORM_TUNING: tuning file ", 0), 0u)
        << tuning_warnings;
    EXPECT_NE(tuning_warnings.find("the default context uses the built-in "
                                   "parameters"),
              std::string::npos)
        << tuning_warnings;
  } else {
    EXPECT_EQ(tuning_warnings, "");
  }
  if (!wanted.empty()) {
    EXPECT_EQ(std::string(simdnorm_context_target(nullptr)), wanted);
    EXPECT_EQ(warnings, tuning_warnings);
  } else {
    EXPECT_EQ(std::string(simdnorm_context_target(nullptr)),
              simdnorm_best_target());
    EXPECT_EQ(warnings.rfind(std::string("SIMDNORM_TARGET: target \"") + env +
                                 "\" is not compiled",
                             0),
              0u)
        << warnings;
    EXPECT_NE(warnings.find("accepted, in any case: best"), std::string::npos)
        << warnings;
    EXPECT_NE(warnings.find(std::string("runs on ") + simdnorm_best_target()),
              std::string::npos)
        << warnings;
    // The target's reason, then the tuning's, one per line.
    if (!tuning_warnings.empty()) {
      EXPECT_EQ(warnings.substr(warnings.size() - tuning_warnings.size() - 1),
                "\n" + tuning_warnings);
    }
  }
}

}  // namespace
}  // namespace simdnorm_test
