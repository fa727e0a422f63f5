// The header-only C++ wrapper: RAII contexts, exceptions carrying the C
// API's status and message, and results identical to the C calls.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "reference.h"
#include "simdnorm/simdnorm.hpp"

namespace simdnorm_test {
namespace {

TEST(CppWrapperTest, ErrorsBecomeExceptions) {
  std::vector<float> x(8), y(8);
  try {
    simdnorm::LayerNorm(x.data(), y.data(), 2, 0);
    FAIL() << "no exception";
  } catch (const simdnorm::Error& e) {
    EXPECT_EQ(e.status(), SIMDNORM_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("cols (0) must be > 0"),
              std::string::npos)
        << e.what();
  }
  simdnorm::Context ctx;
  EXPECT_THROW(ctx.set_threads(-2), simdnorm::Error);
  EXPECT_THROW(ctx.set_target("NOT_A_TARGET"), simdnorm::Error);
}

TEST(CppWrapperTest, ContextIsMovable) {
  simdnorm::Context a(1);
  simdnorm_context* raw = a.get();
  simdnorm::Context b(std::move(a));
  EXPECT_EQ(b.get(), raw);
  EXPECT_EQ(b.threads(), 1);
  EXPECT_EQ(b.target(), simdnorm::BestTarget());
}

TEST(CppWrapperTest, MatchesCApi) {
  const int64_t rows = 7, cols = 300;
  const auto x = RandomNormal(rows * cols, 0.5, 2.0, 71);
  const auto gamma = RandomNormal(cols, 1.0, 0.2, 72);
  const auto beta = RandomNormal(cols, 0.0, 0.2, 73);
  std::vector<float> via_cpp(x.size()), via_c(x.size());
  simdnorm::Context ctx(2);
  simdnorm::LayerNorm(x.data(), via_cpp.data(), rows, cols, gamma.data(),
                      beta.data(), 1e-5f, &ctx);
  simdnorm_row_norm_args args;
  simdnorm_row_norm_args_init(&args);
  args.rows = rows;
  args.cols = cols;
  args.x = x.data();
  args.y = via_c.data();
  args.gamma = gamma.data();
  args.beta = beta.data();
  ASSERT_EQ(simdnorm_layer_norm(ctx.get(), &args), SIMDNORM_OK);
  EXPECT_EQ(via_cpp, via_c);

  simdnorm::RmsNorm(x.data(), via_cpp.data(), rows, cols, gamma.data(), 1e-6f,
                    &ctx);
  args.beta = nullptr;
  args.eps = 1e-6f;
  ASSERT_EQ(simdnorm_rms_norm(ctx.get(), &args), SIMDNORM_OK);
  EXPECT_EQ(via_cpp, via_c);
}

TEST(CppWrapperTest, ArgsAreInitialized) {
  simdnorm::RowNormArgs args;
  EXPECT_EQ(args.struct_size, sizeof(simdnorm_row_norm_args));
  EXPECT_EQ(args.eps, 1e-5f);
  EXPECT_EQ(args.x, nullptr);
}

}  // namespace
}  // namespace simdnorm_test
