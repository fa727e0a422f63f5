// The process-default context (NULL) follows SIMDNORM_TARGET; ctest runs
// this binary with valid and invalid values of it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "simdnorm/simdnorm.h"
#include "target_harness.h"

namespace simdnorm_test {
namespace {

TEST(DefaultContextTest, FollowsSimdnormTarget) {
  std::vector<float> x(64, 2.0f), y(64, -1.0f);
  simdnorm_row_norm_args args;
  simdnorm_row_norm_args_init(&args);
  args.rows = 8;
  args.cols = 8;
  args.x = x.data();
  args.y = y.data();
  const simdnorm_status status = simdnorm_layer_norm(nullptr, &args);

  const char* env = std::getenv("SIMDNORM_TARGET");
  const std::string wanted = env ? env : "";
  bool supported = wanted.empty() || wanted == "best";
  for (const std::string& t : SupportedTargetNames()) supported |= t == wanted;
  if (supported) {
    ASSERT_EQ(status, SIMDNORM_OK) << simdnorm_last_error();
    EXPECT_EQ(y[0], 0.0f);
    const std::string expect =
        wanted.empty() || wanted == "best" ? simdnorm_best_target() : wanted;
    EXPECT_EQ(std::string(simdnorm_context_target(nullptr)), expect);
  } else {
    EXPECT_EQ(status, SIMDNORM_UNSUPPORTED);
    EXPECT_NE(std::string(simdnorm_last_error()).find("SIMDNORM_TARGET"),
              std::string::npos)
        << simdnorm_last_error();
    EXPECT_EQ(y[0], -1.0f) << "output written although the call failed";
  }
}

}  // namespace
}  // namespace simdnorm_test
