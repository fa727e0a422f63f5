// One context shared by concurrent callers (the usual server setup): every
// call gets the same answer as a lone call.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "reference.h"
#include "simdnorm/simdnorm.hpp"

namespace simdnorm_test {
namespace {

TEST(ConcurrencyTest, SharedContextFromManyThreads) {
  const int64_t rows = 300, cols = 1024;  // big enough to use the arena
  const auto x = RandomNormal(rows * cols, 3.0, 2.0, 91);
  simdnorm::Context ctx(2);
  std::vector<float> expected(x.size());
  simdnorm::LayerNorm(x.data(), expected.data(), rows, cols, nullptr, nullptr,
                      1e-5f, &ctx);

  constexpr int kCallers = 4, kCallsEach = 20;
  std::vector<std::vector<float>> outputs(kCallers,
                                          std::vector<float>(x.size()));
  std::vector<int> mismatches(kCallers, 0);
  std::vector<std::thread> callers;
  for (int t = 0; t < kCallers; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < kCallsEach; ++i) {
        std::fill(outputs[t].begin(), outputs[t].end(), 0.0f);
        simdnorm_row_norm_args args;
        simdnorm_row_norm_args_init(&args);
        args.rows = rows;
        args.cols = cols;
        args.x = x.data();
        args.y = outputs[t].data();
        if (simdnorm_layer_norm(ctx.get(), &args) != SIMDNORM_OK ||
            outputs[t] != expected) {
          ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& c : callers) c.join();
  for (int t = 0; t < kCallers; ++t) EXPECT_EQ(mismatches[t], 0) << t;
}

}  // namespace
}  // namespace simdnorm_test
