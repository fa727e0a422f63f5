#include "quantized_reference.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace simdnorm_test {
namespace {

struct Counts {
  int64_t outputs = 0;
  int64_t off_by_one = 0;
};
Counts& Totals() {
  static Counts c;
  return c;
}

class Report : public ::testing::Environment {
 public:
  void TearDown() override {
    const Counts& c = Totals();
    if (c.outputs == 0) return;
    std::printf("quantized outputs: %lld checked, %lld (%.4f%%) one off the exactly "
                "rounded integer (at a rounding boundary), none further\n",
                static_cast<long long>(c.outputs), static_cast<long long>(c.off_by_one),
                100.0 * static_cast<double>(c.off_by_one) / static_cast<double>(c.outputs));
  }
};
const auto* const kReport = ::testing::AddGlobalTestEnvironment(new Report);

}  // namespace

int32_t ExactQuantized(double y, const Quantization& q) {
  const double lo = q.y_dtype == SIMDNORM_S8 ? -128 : 0;
  const double hi = q.y_dtype == SIMDNORM_S8 ? 127 : 255;
  if (std::isnan(y)) return q.zero_point;
  const double v = std::nearbyint(y / static_cast<double>(q.scale)) +
                   q.zero_point;  // ties to even (default rounding mode)
  return static_cast<int32_t>(std::clamp(v, lo, hi));
}

int32_t StoredQuantized(uint8_t byte, simdnorm_dtype y_dtype) {
  return y_dtype == SIMDNORM_S8 ? static_cast<int32_t>(static_cast<int8_t>(byte))
                                : static_cast<int32_t>(byte);
}

bool QuantizedWithinContract(int32_t got, double y, const Quantization& q,
                             double tol, int32_t* want) {
  *want = ExactQuantized(y, q);
  Counts& c = Totals();
  ++c.outputs;
  if (got == *want) return true;
  ++c.off_by_one;
  const double units = y / static_cast<double>(q.scale);
  const double to_boundary = std::fabs(units - std::floor(units) - 0.5);
  const double slack = tol * (1.0 + std::fabs(y)) / static_cast<double>(q.scale);
  return std::isfinite(y) && std::abs(got - *want) == 1 && to_boundary <= slack;
}

}  // namespace simdnorm_test
