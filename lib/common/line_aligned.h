// Float arrays on 64-byte cache lines: vector loads from them never cross
// a line (a load that does costs about two).
#ifndef SIMDNORM_COMMON_LINE_ALIGNED_H_
#define SIMDNORM_COMMON_LINE_ALIGNED_H_

#include <cstddef>
#include <cstdint>

#include "hwy/aligned_allocator.h"

namespace simdnorm::internal {

// Floats per 64-byte cache line, and n rounded up to whole lines.
constexpr int64_t kLineFloats = 64 / sizeof(float);
constexpr int64_t RoundUpToLine(int64_t n) {
  return (n + kLineFloats - 1) / kLineFloats * kLineFloats;
}

// n floats starting on a line: in the object itself up to kInline floats
// (no heap allocation for small calls), else on the heap. data() is null
// if that allocation failed.
template <size_t kInline>
class LineAlignedFloats {
 public:
  explicit LineAlignedFloats(size_t n) {
    if (n > kInline) {
      heap_ = hwy::AllocateAligned<float>(n);  // HWY_ALIGNMENT: whole lines
      data_ = heap_.get();
    }
  }
  LineAlignedFloats(const LineAlignedFloats&) = delete;
  LineAlignedFloats& operator=(const LineAlignedFloats&) = delete;

  float* data() const { return data_; }

 private:
  alignas(64) float inline_[kInline];
  hwy::AlignedFreeUniquePtr<float[]> heap_;
  float* data_ = inline_;
};

}  // namespace simdnorm::internal

#endif  // SIMDNORM_COMMON_LINE_ALIGNED_H_
