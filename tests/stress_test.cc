// Shared contexts under concurrent callers. Every op runs with the smallest
// tile parameters the API accepts, so that tiny problems already take the
// split-reduction and many-task paths, from several std::threads at once on
// a context of 2 and of 4 threads (fewer if the machine has fewer cores),
// while another thread queries the context. Each result must equal, bit for bit, that of a 1-thread context
// (the partitioning and merge order are fixed). Meant for the
// ThreadSanitizer build as much as for the ordinary one, so it stays small.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "op_args.h"
#include "reference.h"
#include "simdnorm/simdnorm.hpp"

namespace simdnorm_test {
namespace {

// Every output of one call (y first, then sum_out, statistics, ...).
using Outputs = std::vector<std::vector<float>>;

// Written before each call: an output the op forgot shows as a mismatch.
constexpr float kUnwritten = -7.25f;

struct StressCase {
  std::string name;
  // Key of the tile parameters the op looks up for this problem.
  simdnorm_op op;
  simdnorm_layout layout;
  int64_t unit_elems;
  std::function<simdnorm_status(simdnorm_context*, Outputs*)> run;
};

// The lower bound of every range documented in simdnorm.h.
simdnorm_tile_params SmallestTiles() {
  simdnorm::TileParams t;
  t.block_elems = 16;
  t.chunk_elems = 1024;
  t.task_bytes = 4096;
  t.inline_bytes = 1;  // never inline: always the threaded paths
  t.split_elems = 1024;
  t.spatial_tile = 1;
  t.stream_bytes = 4096;  // non-temporal stores as well
  return t;
}

// LayerNorm or RMSNorm with residual, sum_out and the statistics (or the
// plain form when !residual). Values of standard deviation `stddev`: 1e22
// overflows fp32 squares and takes the rescaled second pass.
StressCase RowCase(const std::string& name, bool rms, int64_t rows,
                   int64_t cols, bool residual, double stddev,
                   uint32_t seed) {
  StressCase c;
  c.name = name;
  c.op = rms ? SIMDNORM_OP_RMS_NORM : SIMDNORM_OP_LAYER_NORM;
  c.layout = SIMDNORM_NCHW;
  c.unit_elems = cols;
  const std::vector<float> x = RandomNormal(rows * cols, 3.0, stddev, seed);
  const std::vector<float> r =
      residual ? RandomNormal(rows * cols, -1.0, stddev, seed + 1)
               : std::vector<float>();
  const std::vector<float> gamma = RandomNormal(cols, 1.0, 0.5, seed + 2);
  const std::vector<float> beta = RandomNormal(cols, 0.0, 0.5, seed + 3);
  c.run = [=](simdnorm_context* ctx, Outputs* out) {
    // y, sum_out, mean, rstd
    *out = {std::vector<float>(rows * cols, kUnwritten),
            std::vector<float>(residual ? rows * cols : 0, kUnwritten),
            std::vector<float>(rms ? 0 : rows, kUnwritten),
            std::vector<float>(rows, kUnwritten)};
    simdnorm::RowNormArgs a;
    a.rows = rows;
    a.cols = cols;
    a.x = x.data();
    a.y = (*out)[0].data();
    a.gamma = gamma.data();
    a.beta = rms ? nullptr : beta.data();
    if (residual) {
      a.residual = r.data();
      a.sum_out = (*out)[1].data();
    }
    a.mean = rms ? nullptr : (*out)[2].data();
    a.rstd = (*out)[3].data();
    return rms ? simdnorm_rms_norm(ctx, &a) : simdnorm_layer_norm(ctx, &a);
  };
  return c;
}

StressCase GroupCase(const std::string& name, bool instance,
                     simdnorm_layout layout, int64_t n, int64_t channels,
                     int64_t groups, int64_t spatial, simdnorm_activation act,
                     uint32_t seed) {
  if (instance) groups = channels;
  StressCase c;
  c.name = name;
  c.op = instance ? SIMDNORM_OP_INSTANCE_NORM : SIMDNORM_OP_GROUP_NORM;
  c.layout = layout;
  c.unit_elems = channels / groups * spatial;
  const std::vector<float> x =
      RandomNormal(n * channels * spatial, 2.0, 3.0, seed);
  const std::vector<float> gamma = RandomNormal(channels, 1.0, 0.5, seed + 1);
  const std::vector<float> beta = RandomNormal(channels, 0.0, 0.5, seed + 2);
  c.run = [=](simdnorm_context* ctx, Outputs* out) {
    // y, mean, rstd
    *out = {std::vector<float>(x.size(), kUnwritten),
            std::vector<float>(n * groups, kUnwritten),
            std::vector<float>(n * groups, kUnwritten)};
    auto a = ChannelArgs<simdnorm::GroupNormArgs>(n, channels, spatial, layout,
                                                  x.data(), (*out)[0].data());
    a.activation = act;
    a.groups = groups;
    a.gamma = gamma.data();
    a.beta = beta.data();
    a.mean = (*out)[1].data();
    a.rstd = (*out)[2].data();
    return instance ? simdnorm_instance_norm(ctx, &a)
                    : simdnorm_group_norm(ctx, &a);
  };
  return c;
}

// Inference, or batch statistics with the running statistics updated.
StressCase BatchCase(const std::string& name, bool training,
                     simdnorm_layout layout, int64_t n, int64_t channels,
                     int64_t spatial, uint32_t seed) {
  StressCase c;
  c.name = name;
  c.op = training ? SIMDNORM_OP_BATCH_NORM_TRAINING
                  : SIMDNORM_OP_BATCH_NORM_INFERENCE;
  c.layout = layout;
  c.unit_elems = n * spatial;
  const std::vector<float> x =
      RandomNormal(n * channels * spatial, -1.0, 2.0, seed);
  const std::vector<float> gamma = RandomNormal(channels, 1.0, 0.5, seed + 1);
  const std::vector<float> beta = RandomNormal(channels, 0.0, 0.5, seed + 2);
  const std::vector<float> running_mean =
      RandomNormal(channels, -1.0, 0.5, seed + 3);
  std::vector<float> running_var = RandomNormal(channels, 4.0, 1.0, seed + 4);
  for (float& v : running_var) v = std::fabs(v);
  c.run = [=](simdnorm_context* ctx, Outputs* out) {
    // y, running mean, running var, batch mean, batch rstd
    *out = {std::vector<float>(x.size(), kUnwritten), running_mean,
            running_var, std::vector<float>(training ? channels : 0, kUnwritten),
            std::vector<float>(training ? channels : 0, kUnwritten)};
    auto a = ChannelArgs<simdnorm::BatchNormArgs>(n, channels, spatial, layout,
                                                  x.data(), (*out)[0].data());
    a.activation = training ? SIMDNORM_ACT_RELU : SIMDNORM_ACT_NONE;
    a.gamma = gamma.data();
    a.beta = beta.data();
    a.running_mean = (*out)[1].data();
    a.running_var = (*out)[2].data();
    if (!training) return simdnorm_batch_norm_inference(ctx, &a);
    a.update_running_stats = 1;
    a.batch_mean = (*out)[3].data();
    a.batch_rstd = (*out)[4].data();
    return simdnorm_batch_norm_training(ctx, &a);
  };
  return c;
}

// With the smallest tiles, "few units" means fewer units than the
// context's threads: cases with one unit split on any context of 2 threads
// or more; those with 2 or 3 units split on 4 threads (where the machine
// has 4 cores: contexts are capped at the cores) and run a unit per task
// on 2.
std::vector<StressCase> AllCases() {
  constexpr simdnorm_layout kNchw = SIMDNORM_NCHW, kNhwc = SIMDNORM_NHWC;
  return {
      // One row split in 1024-value chunks (moments and normalize).
      RowCase("layer_norm_split", false, 1, 5000, true, 1.0, 1),
      RowCase("rms_norm_split", true, 1, 5000, true, 1.0, 2),
      // Split, and its rescaled second pass (squares overflow fp32).
      RowCase("layer_norm_split_huge", false, 1, 2100, true, 1e22, 3),
      // Rows on the threads, two chunks per row.
      RowCase("layer_norm_rows", false, 8, 1500, true, 1.0, 4),
      // Rows on the threads, whole-row kernel (no residual, one chunk).
      RowCase("rms_norm_rows", true, 8, 1000, false, 1.0, 5),
      // Rows narrower than a vector (one row per lane), in tasks of at most
      // 13 and 10 rows on 2 threads: boundaries inside groups of lanes.
      RowCase("layer_norm_narrow_rows", false, 100, 5, false, 1.0, 6),
      RowCase("rms_norm_narrow_rows", true, 77, 3, false, 1.0, 7),
      GroupCase("group_norm_nchw_split", false, kNchw, 1, 4, 1, 700,
                SIMDNORM_ACT_NONE, 10),
      GroupCase("group_norm_nchw_units", false, kNchw, 3, 8, 4, 130,
                SIMDNORM_ACT_SILU, 11),
      GroupCase("group_norm_nhwc_split", false, kNhwc, 1, 16, 4, 300,
                SIMDNORM_ACT_NONE, 12),
      GroupCase("group_norm_nhwc_samples", false, kNhwc, 5, 16, 4, 100,
                SIMDNORM_ACT_GELU_TANH, 13),
      GroupCase("instance_norm_nchw", true, kNchw, 1, 3, 0, 1100,
                SIMDNORM_ACT_NONE, 14),
      GroupCase("instance_norm_nhwc", true, kNhwc, 2, 8, 0, 200,
                SIMDNORM_ACT_RELU, 15),
      BatchCase("batch_norm_inference_nchw", false, kNchw, 2, 6, 400, 20),
      BatchCase("batch_norm_inference_nhwc", false, kNhwc, 2, 6, 400, 21),
      BatchCase("batch_norm_training_nchw_split", true, kNchw, 2, 1, 1200, 22),
      BatchCase("batch_norm_training_nchw_channels", true, kNchw, 2, 6, 300,
                23),
      BatchCase("batch_norm_training_nhwc", true, kNhwc, 3, 5, 150, 24),
      BatchCase("batch_norm_training_1d", true, kNchw, 300, 7, 1, 25),
  };
}

bool SameBits(const Outputs& a, const Outputs& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    // (memcmp needs non-null pointers even for 0 bytes.)
    if (a[i].size() != b[i].size() ||
        (!a[i].empty() && std::memcmp(a[i].data(), b[i].data(),
                                      a[i].size() * sizeof(float)) != 0)) {
      return false;
    }
  }
  return true;
}

bool SameTiles(const simdnorm_tile_params& a, const simdnorm_tile_params& b) {
  return a.block_elems == b.block_elems && a.chunk_elems == b.chunk_elems &&
         a.task_bytes == b.task_bytes && a.inline_bytes == b.inline_bytes &&
         a.split_elems == b.split_elems && a.spatial_tile == b.spatial_tile &&
         a.stream_bytes == b.stream_bytes;
}

void UseSmallestTiles(simdnorm::Context& ctx,
                      const std::vector<StressCase>& cases) {
  const simdnorm_tile_params tiles = SmallestTiles();
  for (const StressCase& c : cases) {
    ctx.set_tile_params(c.op, c.layout, c.unit_elems, &tiles);
  }
}

// Releases all participants at once (C++17 has no std::barrier).
class StartLine {
 public:
  explicit StartLine(int parties) : waiting_(parties) {}
  void ArriveAndWait() {
    waiting_.fetch_sub(1);
    while (waiting_.load() > 0) std::this_thread::yield();
  }

 private:
  std::atomic<int> waiting_;
};

// The documented lower bounds are the real ones: one less is rejected.
TEST(StressTest, SmallestTilesAreTheSmallestAccepted) {
  simdnorm::Context ctx(1);
  const simdnorm_tile_params smallest = SmallestTiles();
  EXPECT_EQ(simdnorm_context_set_tile_params(ctx.get(), SIMDNORM_OP_LAYER_NORM,
                                             SIMDNORM_NCHW, 1000, &smallest),
            SIMDNORM_OK)
      << simdnorm_last_error();
  int64_t simdnorm_tile_params::*const fields[] = {
      &simdnorm_tile_params::block_elems,  &simdnorm_tile_params::chunk_elems,
      &simdnorm_tile_params::task_bytes,   &simdnorm_tile_params::inline_bytes,
      &simdnorm_tile_params::split_elems,  &simdnorm_tile_params::spatial_tile,
      &simdnorm_tile_params::stream_bytes};
  for (auto field : fields) {
    simdnorm_tile_params below = smallest;
    below.*field -= 1;
    EXPECT_EQ(simdnorm_context_set_tile_params(ctx.get(),
                                               SIMDNORM_OP_LAYER_NORM,
                                               SIMDNORM_NCHW, 1000, &below),
              SIMDNORM_INVALID_ARGUMENT)
        << "accepted " << below.*field;
  }
}

TEST(StressTest, SharedContextsMatchOneThreadBitForBit) {
  const std::vector<StressCase> cases = AllCases();
  simdnorm::Context single(1);
  UseSmallestTiles(single, cases);
  std::vector<Outputs> expected(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    ASSERT_EQ(cases[i].run(single.get(), &expected[i]), SIMDNORM_OK)
        << cases[i].name << ": " << simdnorm_last_error();
    EXPECT_NE(expected[i][0][0], kUnwritten) << cases[i].name;
  }
  const std::string best = simdnorm_best_target();

  for (int requested : {2, 4}) {
    simdnorm::Context shared(requested);
    const int threads = shared.threads();  // capped at the cores
    SCOPED_TRACE(::testing::Message()
                 << requested << "-thread context (" << threads << " used)");
    UseSmallestTiles(shared, cases);
    constexpr int kCallers = 4, kRounds = 3;
    StartLine start(kCallers + 1);
    std::atomic<int> callers_left{kCallers};
    // Per thread: what went wrong (empty = nothing).
    std::vector<std::string> problems(kCallers + 1);
    std::vector<std::thread> pool;
    for (int t = 0; t < kCallers; ++t) {
      pool.emplace_back([&, t] {
        std::string& problem = problems[t];
        start.ArriveAndWait();
        for (int round = 0; round < kRounds && problem.empty(); ++round) {
          // Each caller in its own order, so that different ops overlap.
          for (size_t k = 0; k < cases.size(); ++k) {
            const size_t i = (k * (t + 1) + t) % cases.size();
            Outputs out;
            if (cases[i].run(shared.get(), &out) != SIMDNORM_OK) {
              problem = cases[i].name + " failed: " + simdnorm_last_error();
              break;
            }
            if (!SameBits(out, expected[i])) {
              problem = cases[i].name + " differs from the 1-thread result";
              break;
            }
          }
          // A failing call while others run: the message is this thread's.
          simdnorm::GroupNormArgs bad;
          bad.batch = 1;
          bad.channels = 8;
          bad.spatial = 4;
          bad.groups = 3;
          std::vector<float> x(32), y(32);
          bad.x = x.data();
          bad.y = y.data();
          if (simdnorm_group_norm(shared.get(), &bad) !=
                  SIMDNORM_INVALID_ARGUMENT ||
              std::string(simdnorm_last_error()).find("groups (3)") ==
                  std::string::npos) {
            problem = std::string("bad group norm: last error \"") +
                      simdnorm_last_error() + "\"";
          }
        }
        callers_left.fetch_sub(1);
      });
    }
    int queries = 0;
    pool.emplace_back([&] {
      std::string& problem = problems[kCallers];
      const simdnorm_tile_params smallest = SmallestTiles();
      start.ArriveAndWait();
      // At least once, then for as long as the callers run.
      do {
        for (const StressCase& c : cases) {
          simdnorm::TileParams got;
          got.block_elems = 0;
          if (simdnorm_context_get_tile_params(shared.get(), c.op, c.layout,
                                               c.unit_elems, &got) !=
                  SIMDNORM_OK ||
              !SameTiles(got, smallest)) {
            problem = "tile params of " + c.name + " changed";
          }
        }
        if (best != simdnorm_context_target(shared.get())) {
          problem = std::string("target is ") +
                    simdnorm_context_target(shared.get());
        }
        if (simdnorm_context_threads(shared.get()) != threads) {
          problem = "thread count changed";
        }
        if (std::string(simdnorm_context_tuning_warnings(shared.get())) !=
            "") {
          problem = "unexpected tuning warnings";
        }
        simdnorm_tile_params out;
        simdnorm_tile_params_init(&out);
        if (simdnorm_context_get_tile_params(shared.get(),
                                             SIMDNORM_OP_GROUP_NORM,
                                             SIMDNORM_NHWC, 0, &out) !=
                SIMDNORM_INVALID_ARGUMENT ||
            std::string(simdnorm_last_error()).find("unit_elems") ==
                std::string::npos) {
          problem = std::string("bad query: last error \"") +
                    simdnorm_last_error() + "\"";
        }
        ++queries;
      } while (callers_left.load() > 0 && problem.empty());
    });
    for (std::thread& t : pool) t.join();
    for (size_t t = 0; t < problems.size(); ++t) {
      EXPECT_EQ(problems[t], "") << "thread " << t;
    }
    EXPECT_GE(queries, 1);
  }
}

}  // namespace
}  // namespace simdnorm_test
