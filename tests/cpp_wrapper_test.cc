// The header-only C++ wrapper: RAII contexts, exceptions carrying the C
// API's status and message, and results identical to the C calls.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <type_traits>
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
  simdnorm::Context c(2);
  c = std::move(b);
  EXPECT_EQ(c.get(), raw);
  EXPECT_EQ(c.threads(), 1);
}

// A Context moved from throws where it is used, instead of handing the
// C API a null context (the process default).
TEST(CppWrapperTest, MovedFromContextThrows) {
  simdnorm::Context a(1);
  simdnorm::Context b(std::move(a));
  simdnorm::Context c;
  c = std::move(b);
  std::vector<float> x(64, 1.0f), y(64, -3.0f);
  for (const simdnorm::Context* moved : {&a, &b}) {
    try {
      simdnorm::LayerNorm(x.data(), y.data(), 8, 8, nullptr, nullptr,
                          simdnorm::kDefaultEps, moved);
      FAIL() << "no exception";
    } catch (const simdnorm::Error& e) {
      EXPECT_EQ(e.status(), SIMDNORM_INVALID_ARGUMENT);
      EXPECT_NE(std::string(e.what()).find("moved from"), std::string::npos)
          << e.what();
    }
    EXPECT_EQ(y, std::vector<float>(64, -3.0f)) << "y written";
    EXPECT_THROW(moved->threads(), simdnorm::Error);
    EXPECT_THROW(moved->target(), simdnorm::Error);
    EXPECT_THROW(moved->warnings(), simdnorm::Error);
    EXPECT_THROW(moved->get(), simdnorm::Error);
  }
  EXPECT_THROW(a.set_threads(1), simdnorm::Error);
  EXPECT_NO_THROW(c.threads());
}

// Every convenience overload defaults to the eps the args structs start
// with (data with a variance near eps shows a difference).
TEST(CppWrapperTest, OneDefaultEps) {
  EXPECT_EQ(simdnorm::kDefaultEps, 1e-5f);
  EXPECT_EQ(simdnorm::RowNormArgs().eps, simdnorm::kDefaultEps);
  EXPECT_EQ(simdnorm::GroupNormArgs().eps, simdnorm::kDefaultEps);
  EXPECT_EQ(simdnorm::InstanceNormArgs().eps, simdnorm::kDefaultEps);
  EXPECT_EQ(simdnorm::BatchNormArgs().eps, simdnorm::kDefaultEps);
  const int64_t rows = 3, cols = 64;
  const auto x = RandomNormal(rows * cols, 0.0, 3e-3, 74);
  std::vector<float> by_default(x.size()), by_args(x.size());
  simdnorm::RowNormArgs args;
  args.rows = rows;
  args.cols = cols;
  args.x = x.data();
  args.y = by_args.data();
  for (const bool rms : {false, true}) {
    if (rms) {
      simdnorm::RmsNorm(x.data(), by_default.data(), rows, cols);
      simdnorm::RmsNorm(args);
    } else {
      simdnorm::LayerNorm(x.data(), by_default.data(), rows, cols);
      simdnorm::LayerNorm(args);
    }
    EXPECT_EQ(by_default, by_args) << (rms ? "RmsNorm" : "LayerNorm");
  }
  // The check can fail: another eps changes these values.
  simdnorm::RmsNorm(x.data(), by_default.data(), rows, cols, nullptr, 1e-6f);
  EXPECT_NE(by_default, by_args);
}

TEST(CppWrapperTest, TileParamsAreTheWrapperType) {
  simdnorm::Context ctx;
  static_assert(std::is_same_v<decltype(ctx.tile_params(SIMDNORM_OP_LAYER_NORM,
                                                        SIMDNORM_NCHW, 4096)),
                               simdnorm::TileParams>,
                "tile_params returns simdnorm::TileParams");
  simdnorm::TileParams tuned;
  tuned.block_elems = 512;
  ctx.set_tile_params(SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, 4096, &tuned);
  simdnorm::TileParams got =
      ctx.tile_params(SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, 4096);
  EXPECT_EQ(got.block_elems, 512);
  // Usable as it is to set another entry.
  ctx.set_tile_params(SIMDNORM_OP_RMS_NORM, SIMDNORM_NCHW, 4096, &got);
  EXPECT_EQ(
      ctx.tile_params(SIMDNORM_OP_RMS_NORM, SIMDNORM_NCHW, 4096).block_elems,
      512);
}

void CountingRunner(void* calls, int64_t count, simdnorm_task_fn fn,
                    void* task_ctx) {
  ++*static_cast<int*>(calls);
  for (int64_t i = 0; i < count; ++i) fn(task_ctx, i);
}

TEST(CppWrapperTest, ParallelRunnerAndTuningFromMemory) {
  simdnorm::Context ctx(1);
  int calls = 0;
  ctx.set_parallel_runner(&CountingRunner, &calls, 4);
  EXPECT_EQ(ctx.threads(), 4);
  const int64_t rows = 300, cols = 1024;
  const auto x = RandomNormal(rows * cols, 0.5, 2.0, 75);
  std::vector<float> y(x.size()), want(x.size());
  simdnorm::LayerNorm(x.data(), y.data(), rows, cols, nullptr, nullptr,
                      simdnorm::kDefaultEps, &ctx);
  EXPECT_GT(calls, 0);
  simdnorm::LayerNorm(x.data(), want.data(), rows, cols);
  EXPECT_EQ(y, want);
  EXPECT_THROW(ctx.set_parallel_runner(&CountingRunner, &calls, 0),
               simdnorm::Error);
  ctx.clear_parallel_runner();
  EXPECT_EQ(ctx.threads(), 1);

  // A table saved by one context, loaded from memory by another.
  simdnorm::Context tuned;
  simdnorm::TileParams params;
  params.chunk_elems = 4096;
  tuned.set_tile_params(SIMDNORM_OP_GROUP_NORM, SIMDNORM_NHWC, 1000, &params);
  const std::string path = ::testing::TempDir() + "simdnorm_wrapper.json";
  tuned.save_tuning(path.c_str());
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  std::remove(path.c_str());
  simdnorm::Context loaded;
  loaded.load_tuning_from_memory(text);
  EXPECT_EQ(loaded.tile_params(SIMDNORM_OP_GROUP_NORM, SIMDNORM_NHWC, 1000)
                .chunk_elems,
            4096);
  EXPECT_EQ(loaded.warnings(), "");
  EXPECT_THROW(loaded.load_tuning_from_memory("{}"), simdnorm::Error);
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
