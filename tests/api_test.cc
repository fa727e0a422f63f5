// The C API's contract on bad input: a specific status and message,
// nothing written to the outputs, no abort. Plus library queries and
// contexts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "simdnorm/simdnorm.h"
#include "target_harness.h"

namespace simdnorm_test {
namespace {

constexpr float kSentinel = -777.0f;

// A valid 4x8 LayerNorm problem; each test breaks one thing.
struct RowProblem {
  std::vector<float> x = std::vector<float>(64, 1.5f);
  std::vector<float> y = std::vector<float>(64, kSentinel);
  std::vector<float> gamma = std::vector<float>(8, 1.0f);
  simdnorm_row_norm_args args;
  RowProblem() {
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 5);
    simdnorm_row_norm_args_init(&args);
    args.rows = 4;
    args.cols = 8;
    args.x = x.data();
    args.y = y.data();
    args.gamma = gamma.data();
  }
  bool Untouched() const {
    for (float v : y) {
      if (v != kSentinel) return false;
    }
    return true;
  }
};

// Calls op on a broken problem and checks status, message and outputs.
void ExpectRejected(simdnorm_status (*op)(simdnorm_context*,
                                          const simdnorm_row_norm_args*),
                    RowProblem& p, simdnorm_status want,
                    const std::string& message_part) {
  const simdnorm_status got = op(nullptr, &p.args);
  EXPECT_EQ(got, want) << simdnorm_last_error();
  EXPECT_NE(std::string(simdnorm_last_error()).find(message_part),
            std::string::npos)
      << "message \"" << simdnorm_last_error() << "\" lacks \"" << message_part
      << "\"";
  EXPECT_TRUE(p.Untouched()) << "y was written on error";
}

TEST(ApiTest, ValidProblemRuns) {
  RowProblem p;
  ASSERT_EQ(simdnorm_layer_norm(nullptr, &p.args), SIMDNORM_OK);
  EXPECT_FALSE(p.Untouched());
}

TEST(ApiTest, RowNormBadInput) {
  for (auto op : {&simdnorm_layer_norm, &simdnorm_rms_norm}) {
    {
      const simdnorm_status s = op(nullptr, nullptr);
      EXPECT_EQ(s, SIMDNORM_INVALID_ARGUMENT);
      EXPECT_NE(std::string(simdnorm_last_error()).find("args is null"),
                std::string::npos);
    }
    { RowProblem p; p.args.x = nullptr; ExpectRejected(op, p, SIMDNORM_INVALID_ARGUMENT, "x is null"); }
    { RowProblem p; p.args.y = nullptr; ExpectRejected(op, p, SIMDNORM_INVALID_ARGUMENT, "y is null"); }
    { RowProblem p; p.args.cols = 0; ExpectRejected(op, p, SIMDNORM_INVALID_ARGUMENT, "cols (0) must be > 0"); }
    { RowProblem p; p.args.cols = -3; ExpectRejected(op, p, SIMDNORM_INVALID_ARGUMENT, "cols (-3)"); }
    { RowProblem p; p.args.rows = -1; ExpectRejected(op, p, SIMDNORM_INVALID_ARGUMENT, "rows (-1) must be >= 0"); }
    { RowProblem p; p.args.x_stride = 7; ExpectRejected(op, p, SIMDNORM_INVALID_ARGUMENT, "x_stride (7) must be >= cols (8)"); }
    { RowProblem p; p.args.y_stride = -8; ExpectRejected(op, p, SIMDNORM_INVALID_ARGUMENT, "y_stride (-8)"); }
    { RowProblem p; p.args.eps = -1e-5f; ExpectRejected(op, p, SIMDNORM_INVALID_ARGUMENT, "eps"); }
    { RowProblem p; p.args.eps = std::numeric_limits<float>::quiet_NaN(); ExpectRejected(op, p, SIMDNORM_INVALID_ARGUMENT, "eps (nan)"); }
    { RowProblem p; p.args.eps = std::numeric_limits<float>::infinity(); ExpectRejected(op, p, SIMDNORM_INVALID_ARGUMENT, "eps (inf)"); }
    { RowProblem p; p.args.dtype = static_cast<simdnorm_dtype>(42); ExpectRejected(op, p, SIMDNORM_INVALID_ARGUMENT, "unknown dtype 42"); }
    { RowProblem p; p.args.dtype = SIMDNORM_BF16; p.args.param_dtype = SIMDNORM_F16; ExpectRejected(op, p, SIMDNORM_INVALID_ARGUMENT, "param_dtype (2) must be SIMDNORM_F32 or dtype (1)"); }
    { RowProblem p; p.args.param_dtype = static_cast<simdnorm_dtype>(-1); ExpectRejected(op, p, SIMDNORM_INVALID_ARGUMENT, "param_dtype (-1)"); }
    { RowProblem p; p.args.reserved = 1; ExpectRejected(op, p, SIMDNORM_INVALID_ARGUMENT, "reserved must be 0"); }
    { RowProblem p; p.args.struct_size = 8; ExpectRejected(op, p, SIMDNORM_INVALID_ARGUMENT, "struct_size"); }
    {
      // y starts one element into x: partial overlap.
      RowProblem p;
      p.args.y = p.x.data() + 1;
      p.args.rows = 2;
      ExpectRejected(op, p, SIMDNORM_INVALID_ARGUMENT, "overlap partially");
    }
    {
      // Same start, other stride: not in place.
      RowProblem p;
      p.args.y = p.x.data();
      p.args.rows = 2;
      p.args.y_stride = 16;
      ExpectRejected(op, p, SIMDNORM_INVALID_ARGUMENT, "overlap partially");
    }
    {
      RowProblem p;
      p.args.rstd = p.y.data() + 30;  // y[30, 34) is in y's 4x8 view
      ExpectRejected(op, p, SIMDNORM_INVALID_ARGUMENT, "outputs y and rstd overlap");
    }
    {
      RowProblem p;
      p.args.sum_out = p.x.data();
      ExpectRejected(op, p, SIMDNORM_INVALID_ARGUMENT, "sum_out needs a residual or residual_bias input");
    }
  }
  {
    RowProblem p;
    std::vector<float> beta(8);
    p.args.beta = beta.data();
    ExpectRejected(&simdnorm_rms_norm, p, SIMDNORM_INVALID_ARGUMENT, "RMSNorm takes no beta");
  }
  {
    RowProblem p;
    std::vector<float> mean(4);
    p.args.mean = mean.data();
    ExpectRejected(&simdnorm_rms_norm, p, SIMDNORM_INVALID_ARGUMENT, "no mean output");
  }
  {
    RowProblem p;
    std::vector<float> res(64), sum(64);
    p.args.residual = res.data();
    p.args.sum_out = p.y.data();
    ExpectRejected(&simdnorm_layer_norm, p, SIMDNORM_INVALID_ARGUMENT, "outputs y and sum_out overlap");
  }
}

// Strides whose extent does not fit in int64 are rejected before any
// address is formed, for every strided operand and in slice calls too (they
// used to pass for residual and sum_out and write before sum_out).
TEST(ApiTest, HugeStridesAreRejectedForEveryOperand) {
  struct Case {
    const char* name;
    int64_t simdnorm_row_norm_args::*stride;
  };
  const Case cases[] = {{"x_stride", &simdnorm_row_norm_args::x_stride},
                        {"y_stride", &simdnorm_row_norm_args::y_stride},
                        {"residual_stride", &simdnorm_row_norm_args::residual_stride},
                        {"sum_stride", &simdnorm_row_norm_args::sum_stride}};
  const int64_t huge[] = {std::numeric_limits<int64_t>::max(),
                          std::numeric_limits<int64_t>::max() / 2 + 1,
                          int64_t{1} << 58};
  for (const Case& c : cases) {
    for (const int64_t stride : huge) {
      for (int call = 0; call < 4; ++call) {
        SCOPED_TRACE(std::string(c.name) + " call " + std::to_string(call));
        // Guard zones around sum_out catch a write through a wrapped offset.
        std::vector<float> residual(8, 1.0f), sum(8 + 2 * 64, kSentinel);
        RowProblem p;
        p.args.rows = 2;
        p.args.cols = 4;
        p.args.residual = residual.data();
        p.args.sum_out = sum.data() + 64;
        p.args.*c.stride = stride;
        simdnorm_status status;
        switch (call) {
          case 0: status = simdnorm_layer_norm(nullptr, &p.args); break;
          case 1: status = simdnorm_rms_norm(nullptr, &p.args); break;
          case 2: status = simdnorm_layer_norm_slice(nullptr, &p.args, 0, 2); break;
          default: status = simdnorm_rms_norm_slice(nullptr, &p.args, 1, 2); break;
        }
        EXPECT_EQ(status, SIMDNORM_INVALID_ARGUMENT);
        EXPECT_NE(std::string(simdnorm_last_error()).find(c.name), std::string::npos)
            << simdnorm_last_error();
        EXPECT_TRUE(p.Untouched());
        for (float v : sum) ASSERT_EQ(v, kSentinel) << "sum_out region written";
      }
    }
  }
  // A large stride that does fit is fine (one row: the stride is unused).
  RowProblem p;
  p.args.rows = 1;
  p.args.x_stride = int64_t{1} << 40;
  EXPECT_EQ(simdnorm_layer_norm(nullptr, &p.args), SIMDNORM_OK) << simdnorm_last_error();
}

// Sizes whose products overflow int64 are rejected even when no element
// would be touched (one row of more than 2^58 columns, an empty batch of
// huge samples): the library forms those products while validating.
TEST(ApiTest, HugeSizesAreRejectedWithoutOverflow) {
  const int64_t huge = std::numeric_limits<int64_t>::max() / 3;
  for (const int64_t rows : {int64_t{0}, int64_t{1}}) {
    RowProblem p;
    p.args.rows = rows;
    p.args.cols = huge;
    EXPECT_EQ(simdnorm_layer_norm(nullptr, &p.args), SIMDNORM_INVALID_ARGUMENT);
    EXPECT_NE(std::string(simdnorm_last_error()).find("cols"), std::string::npos)
        << simdnorm_last_error();
    EXPECT_TRUE(p.Untouched());
  }
  simdnorm_group_norm_args g;
  simdnorm_group_norm_args_init(&g);
  g.batch = 0;
  g.channels = 6;
  g.groups = 3;
  g.spatial = huge;
  EXPECT_EQ(simdnorm_group_norm(nullptr, &g), SIMDNORM_INVALID_ARGUMENT);
  EXPECT_NE(std::string(simdnorm_last_error()).find("too large"), std::string::npos)
      << simdnorm_last_error();
  simdnorm_batch_norm_args b;
  simdnorm_batch_norm_args_init(&b);
  b.batch = 0;
  b.channels = huge;
  b.spatial = 4;
  EXPECT_EQ(simdnorm_batch_norm_inference(nullptr, &b), SIMDNORM_INVALID_ARGUMENT);
  EXPECT_EQ(simdnorm_batch_norm_training(nullptr, &b), SIMDNORM_INVALID_ARGUMENT);
}

// Per-row outputs may not alias any input: other rows still read gamma,
// beta and residual while mean and rstd are written.
TEST(ApiTest, RowStatisticsMayNotAliasInputs) {
  for (const bool rms : {false, true}) {
    auto op = rms ? &simdnorm_rms_norm : &simdnorm_layer_norm;
    struct Case {
      const char* input;
      const char* output;
    };
    const Case cases[] = {{"gamma", "rstd"}, {"beta", "mean"},
                          {"beta", "rstd"},  {"residual", "rstd"},
                          {"residual", "mean"}, {"gamma", "mean"}};
    for (const Case& c : cases) {
      if (rms && (std::string(c.input) == "beta" ||
                  std::string(c.output) == "mean")) {
        continue;  // RMSNorm has neither
      }
      SCOPED_TRACE(std::string(c.input) + " / " + c.output);
      RowProblem p;
      std::vector<float> beta(8, 0.5f), residual(32, 0.25f);
      std::vector<float> shared = c.input == std::string("gamma") ? p.gamma
                                  : c.input == std::string("beta") ? beta
                                                                   : residual;
      const std::vector<float> before = shared;
      p.args.gamma = c.input == std::string("gamma") ? shared.data() : p.gamma.data();
      if (!rms) p.args.beta = c.input == std::string("beta") ? shared.data() : beta.data();
      p.args.residual = c.input == std::string("residual") ? shared.data() : residual.data();
      float* stat = shared.data() + 1;
      (c.output == std::string("mean") ? p.args.mean : p.args.rstd) = stat;
      ExpectRejected(op, p, SIMDNORM_INVALID_ARGUMENT,
                     std::string("input ") + c.input + " and output " + c.output + " overlap");
      EXPECT_EQ(shared, before) << "input written on error";
    }
  }
}

TEST(ApiTest, SliceBadRange) {
  RowProblem p;
  EXPECT_EQ(simdnorm_layer_norm_slice(nullptr, &p.args, 2, 1), SIMDNORM_INVALID_ARGUMENT);
  EXPECT_NE(std::string(simdnorm_last_error()).find("row range [2, 1)"), std::string::npos);
  EXPECT_EQ(simdnorm_rms_norm_slice(nullptr, &p.args, -1, 2), SIMDNORM_INVALID_ARGUMENT);
  EXPECT_EQ(simdnorm_layer_norm_slice(nullptr, &p.args, 0, 5), SIMDNORM_INVALID_ARGUMENT);
  EXPECT_TRUE(p.Untouched());
}

// The message of the last failure stays after later successes (the status
// says whether a call failed, not the message).
TEST(ApiTest, LastErrorOutlivesLaterSuccesses) {
  RowProblem p;
  p.args.cols = 0;
  ASSERT_EQ(simdnorm_layer_norm(nullptr, &p.args), SIMDNORM_INVALID_ARGUMENT);
  const std::string failure = simdnorm_last_error();
  EXPECT_EQ(failure, "simdnorm_layer_norm: cols (0) must be > 0");
  p.args.cols = 8;
  ASSERT_EQ(simdnorm_layer_norm(nullptr, &p.args), SIMDNORM_OK);
  simdnorm_context* ctx = nullptr;
  ASSERT_EQ(simdnorm_context_create(&ctx), SIMDNORM_OK);
  simdnorm_context_destroy(ctx);
  EXPECT_EQ(simdnorm_last_error(), failure);
}

TEST(ApiTest, ZeroRowsNeedNoPointers) {
  simdnorm_row_norm_args args;
  simdnorm_row_norm_args_init(&args);
  args.rows = 0;
  args.cols = 16;
  EXPECT_EQ(simdnorm_layer_norm(nullptr, &args), SIMDNORM_OK);
}

TEST(ApiTest, ContextThreads) {
  simdnorm_context* ctx = nullptr;
  ASSERT_EQ(simdnorm_context_create(&ctx), SIMDNORM_OK);
  EXPECT_GE(simdnorm_context_threads(ctx), 1);
  EXPECT_EQ(simdnorm_context_set_threads(ctx, 1), SIMDNORM_OK);
  EXPECT_EQ(simdnorm_context_threads(ctx), 1);
  EXPECT_TRUE(FailedWith(
      simdnorm_context_set_threads(ctx, -1), SIMDNORM_INVALID_ARGUMENT,
      "simdnorm_context_set_threads: threads (-1) must be in [0, 1024]"));
  EXPECT_EQ(simdnorm_context_set_threads(ctx, SIMDNORM_MAX_THREADS + 1),
            SIMDNORM_INVALID_ARGUMENT);
  EXPECT_EQ(simdnorm_context_threads(ctx), 1) << "failed call changed the context";
  // More threads than the process may run on are capped at that.
  ASSERT_EQ(simdnorm_context_set_threads(ctx, 0), SIMDNORM_OK);
  const int all = simdnorm_context_threads(ctx);
  EXPECT_EQ(simdnorm_context_set_threads(ctx, 8), SIMDNORM_OK);
  EXPECT_EQ(simdnorm_context_threads(ctx), std::min(8, all));
  EXPECT_EQ(simdnorm_context_set_threads(ctx, SIMDNORM_MAX_THREADS), SIMDNORM_OK);
  EXPECT_EQ(simdnorm_context_threads(ctx), all);
  simdnorm_context_destroy(ctx);
  EXPECT_EQ(simdnorm_context_create(nullptr), SIMDNORM_INVALID_ARGUMENT);
  EXPECT_EQ(simdnorm_context_set_threads(nullptr, 1), SIMDNORM_INVALID_ARGUMENT);
  simdnorm_context_destroy(nullptr);  // no-op, like free()
}

TEST(ApiTest, ContextTargets) {
  simdnorm_context* ctx = nullptr;
  ASSERT_EQ(simdnorm_context_create(&ctx), SIMDNORM_OK);
  EXPECT_EQ(std::string(simdnorm_context_target(ctx)), simdnorm_best_target());
  EXPECT_EQ(simdnorm_context_set_target(ctx, "NO_SUCH_ISA"), SIMDNORM_UNSUPPORTED);
  {
    // The message names the function and lists every accepted name.
    const std::string message = simdnorm_last_error();
    EXPECT_EQ(
        message.rfind(
            "simdnorm_context_set_target: target \"NO_SUCH_ISA\" "
            "is not compiled into simdnorm (accepted, in any case: best, ",
            0),
        0u)
        << message;
    for (const std::string& t : SplitList(simdnorm_compiled_targets())) {
      EXPECT_NE(message.find(", " + t), std::string::npos)
          << t << ": " << message;
    }
#if defined(__x86_64__)
    const auto compiled = SplitList(simdnorm_compiled_targets());
    if (std::find(compiled.begin(), compiled.end(), "AVX3") != compiled.end()) {
      EXPECT_NE(message.find("AVX3 (or AVX512)"), std::string::npos) << message;
    }
#endif
  }
  // A target of the other architecture is never compiled in.
#if defined(__x86_64__) || defined(__i386__)
  EXPECT_EQ(simdnorm_context_set_target(ctx, "NEON"), SIMDNORM_UNSUPPORTED);
#else
  EXPECT_EQ(simdnorm_context_set_target(ctx, "AVX2"), SIMDNORM_UNSUPPORTED);
#endif
  EXPECT_EQ(std::string(simdnorm_context_target(ctx)), simdnorm_best_target())
      << "failed call changed the context";
  for (const std::string& t : SupportedTargetNames()) {
    EXPECT_EQ(simdnorm_context_set_target(ctx, t.c_str()), SIMDNORM_OK) << t;
    EXPECT_EQ(std::string(simdnorm_context_target(ctx)), t);
  }
  EXPECT_EQ(simdnorm_context_set_target(ctx, "best"), SIMDNORM_OK);
  EXPECT_EQ(std::string(simdnorm_context_target(ctx)), simdnorm_best_target());
  // Names in any case; AVX512 is AVX3.
  for (const std::string& t : SupportedTargetNames()) {
    std::string lower = t;
    for (char& c : lower) c = static_cast<char>(std::tolower(c));
    EXPECT_EQ(simdnorm_context_set_target(ctx, lower.c_str()), SIMDNORM_OK)
        << lower;
    EXPECT_EQ(std::string(simdnorm_context_target(ctx)), t);
    if (t == "AVX3") {
      for (const char* alias : {"AVX512", "avx512", "Avx512"}) {
        ASSERT_EQ(simdnorm_context_set_target(ctx, "SSE4"), SIMDNORM_OK);
        EXPECT_EQ(simdnorm_context_set_target(ctx, alias), SIMDNORM_OK)
            << alias;
        EXPECT_EQ(std::string(simdnorm_context_target(ctx)), "AVX3") << alias;
      }
    }
  }
  EXPECT_EQ(simdnorm_context_set_target(ctx, "BEST"), SIMDNORM_OK);
  EXPECT_EQ(std::string(simdnorm_context_target(ctx)), simdnorm_best_target());
  simdnorm_context_destroy(ctx);
  EXPECT_TRUE(FailedWith(simdnorm_context_set_target(nullptr, "AVX2"),
                         SIMDNORM_INVALID_ARGUMENT,
                         "simdnorm_context_set_target: ctx is null"));
}

// Compiled targets the CPU cannot run are rejected, not run into SIGILL.
TEST(ApiTest, CompiledButUnsupportedTargetIsAnError) {
  const auto compiled = SplitList(simdnorm_compiled_targets());
  const auto supported = SupportedTargetNames();
  simdnorm_context* ctx = nullptr;
  ASSERT_EQ(simdnorm_context_create(&ctx), SIMDNORM_OK);
  for (const std::string& t : compiled) {
    bool runnable = false;
    for (const std::string& s : supported) runnable |= s == t;
    const simdnorm_status status = simdnorm_context_set_target(ctx, t.c_str());
    EXPECT_EQ(status, runnable ? SIMDNORM_OK : SIMDNORM_UNSUPPORTED) << t;
    if (!runnable) {
      EXPECT_NE(std::string(simdnorm_last_error())
                    .find("simdnorm_context_set_target: target \"" + t +
                          "\" is not supported by this CPU (supported: " +
                          simdnorm_supported_targets() + ")"),
                std::string::npos)
          << simdnorm_last_error();
    }
  }
  simdnorm_context_destroy(ctx);
}

TEST(ApiTest, LibraryQueries) {
  EXPECT_EQ(std::string(simdnorm_version()), "0.1.0");
  EXPECT_STREQ(simdnorm_status_string(SIMDNORM_OK), "ok");
  EXPECT_STREQ(simdnorm_status_string(SIMDNORM_INVALID_ARGUMENT), "invalid argument");
  EXPECT_STREQ(simdnorm_status_string(static_cast<simdnorm_status>(99)), "unknown status");
  const auto compiled = SplitList(simdnorm_compiled_targets());
  ASSERT_FALSE(compiled.empty());
  EXPECT_EQ(SupportedTargetNames().front(), simdnorm_best_target());
#if defined(__x86_64__)
  // Without -march the x86 baseline is below SSSE3: a fallback is built
  // (on arm64 the baseline NEON is the fallback). Highway names it SCALAR
  // where its 128-bit emulation is unusable (GCC < 12.3) and EMU128
  // elsewhere (clang): accept either, but exactly one, and last.
  const std::string fallback = compiled.back();
  EXPECT_TRUE(fallback == "SCALAR" || fallback == "EMU128") << fallback;
  // (Unless the build leaves some out on purpose: tools/run's sanitizer
  // builds compile fewer targets.)
#if !defined(HWY_DISABLED_TARGETS)
  for (const std::string t : {"AVX3", "AVX2", "SSE4", "SSSE3"}) {
    bool found = false;
    for (const std::string& c : compiled) found |= c == t;
    EXPECT_TRUE(found) << t << " missing from " << simdnorm_compiled_targets();
  }
#endif
#elif defined(__aarch64__)
  EXPECT_EQ(compiled.back(), "NEON");
  for (const char* t : {"NEON", "SVE", "SVE2"}) {
    bool found = false;
    for (const std::string& c : compiled) found |= c == t;
    EXPECT_TRUE(found) << t << " missing from " << simdnorm_compiled_targets();
  }
#endif
}

}  // namespace
}  // namespace simdnorm_test
