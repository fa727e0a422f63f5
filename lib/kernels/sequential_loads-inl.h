// Consecutive whole vectors of x from where a normalize pass has aligned
// its stores: x + begin, x + begin + Lanes, ... When x is misaligned
// relative to y, each of those loads crosses a cache line. For fp32 on
// AVX-512 they can be formed from aligned loads instead: two aligned
// neighbours joined by one two-source permute (vpermt2ps), each aligned
// vector loaded once, the values those of the plain loads bit for bit.
// That pays where x comes from memory or L3 (a split load waits for two
// lines): GroupNorm NHWC 2x320x64x64, x 64-byte aligned and y 16 bytes
// past a line, took 0.85x the time. From L1 and L2 the split loads were
// cheaper (an L2-resident 8x100x28x28 took 1.04-1.08x with the permutes),
// so callers ask for realigned loads (kRealign) only where the pass
// streams and Realigns() holds. Elsewhere (other targets, 16-bit
// storage), plain loads.
//
// Next() returns the next vector; callers take only whole vectors within
// [begin, end). Memory outside [x + begin, x + end) is never touched: the
// first and last aligned vectors are masked loads (AVX-512 masked loads
// touch only the lanes asked for).

#if defined(SIMDNORM_KERNELS_SEQUENTIAL_LOADS_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef SIMDNORM_KERNELS_SEQUENTIAL_LOADS_INL_H_
#undef SIMDNORM_KERNELS_SEQUENTIAL_LOADS_INL_H_
#else
#define SIMDNORM_KERNELS_SEQUENTIAL_LOADS_INL_H_
#endif

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "common/alignment.h"
#include "common/contract.h"
#include "hwy/highway.h"
#include "kernels/storage-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm::internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#ifdef SIMDNORM_PERMUTE_ALIGNED_LOADS
#undef SIMDNORM_PERMUTE_ALIGNED_LOADS
#endif
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
#define SIMDNORM_PERMUTE_ALIGNED_LOADS 1
#else
#define SIMDNORM_PERMUTE_ALIGNED_LOADS 0
#endif
// fp32 lanes of the vectors realigned (AVX-512).
constexpr size_t kRealignLanes = 16;

// Whether SequentialLoads<S, true> would realign loads from x + begin
// (fp32 on AVX-512, x + begin element-aligned but not vector-aligned).
template <class S>
HWY_INLINE bool Realigns(const typename S::T* x, size_t begin) {
#if SIMDNORM_PERMUTE_ALIGNED_LOADS
  if constexpr (std::is_same_v<S, StorageF32>) {
    return ElementAligned(x + begin) &&
           ElementsPastVector(x + begin, kRealignLanes) != 0;
  }
#endif
  (void)x;
  (void)begin;
  return false;
}

// Plain loads: any target and storage type.
template <class S, bool kRealign, class Enable = void>
class SequentialLoads {
 public:
  using T = typename S::T;
  SequentialLoads(const T* x, size_t begin, size_t /*end*/) : p_(x + begin) {}
  HWY_INLINE hn::Vec<hn::ScalableTag<float>> Next() {
    const hn::ScalableTag<float> d;
    const auto v = LoadF32<S>(d, p_);
    p_ += hn::Lanes(d);
    return v;
  }

 private:
  const T* p_;
};

#if SIMDNORM_PERMUTE_ALIGNED_LOADS
template <class S, bool kRealign>
class SequentialLoads<
    S, kRealign, std::enable_if_t<kRealign && std::is_same_v<S, StorageF32>>> {
 public:
  static constexpr size_t kLanes = kRealignLanes;

  // x + begin must be element-aligned (Realigns).
  SequentialLoads(const float* x, size_t begin, size_t end) : limit_(x + end) {
    const float* p = x + begin;
    const size_t shift = ElementsPastVector(p, kLanes);
    const float* aligned = p - shift;
    // Lanes [shift, 16) of the aligned vector holding x + begin, those
    // before the end.
    const size_t avail = end - begin;
    const uint32_t lanes =
        avail < kLanes - shift ? ((1u << avail) - 1u) << shift
                               : 0xFFFFu << shift;
    previous_ = _mm512_maskz_load_ps(static_cast<__mmask16>(lanes), aligned);
    next_ = aligned + kLanes;
    index_ = _mm512_add_epi32(
        _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
        _mm512_set1_epi32(static_cast<int>(shift)));
  }

  HWY_INLINE hn::Vec512<float> Next() {
    // A whole vector remains: its last value is before limit_.
    SIMDNORM_DASSERT(next_ < limit_);
    // The aligned vector after previous_; masked where it would reach past
    // the end (its lanes there are not used).
    const __m512 current =
        next_ + kLanes <= limit_
            ? _mm512_load_ps(next_)
            : _mm512_maskz_load_ps(
                  static_cast<__mmask16>((1u << (limit_ - next_)) - 1u),
                  next_);
    const __m512 v = _mm512_permutex2var_ps(previous_, index_, current);
    previous_ = current;
    next_ += kLanes;
    return hn::Vec512<float>{v};
  }

 private:
  const float* limit_;  // x + end
  const float* next_;   // the next aligned vector to load
  __m512 previous_;
  __m512i index_;       // lanes shift..shift + 15 of (previous_, current)
};
#endif

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_SEQUENTIAL_LOADS_INL_H_
