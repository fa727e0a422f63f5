// The kernels' only view of tensor memory: loads that widen a storage type
// to fp32 lanes and stores that narrow fp32 lanes to it. All arithmetic is
// fp32 (and double); only these functions know the element type, so a
// kernel written once over a storage tag S serves every type.
//
//   S::T           the element as stored (float, or uint16_t bits)
//   LoadF32<S>     full vector of fp32 lanes from Lanes(d) elements
//   LoadF32Tail<S> count < Lanes(d) elements, lanes past them zero; never
//                  touches memory past p + count
//   StoreF32<S>, StoreF32Tail<S>, StreamF32<S> (aligned non-temporal)
//
// Narrowing rounds to nearest even, keeps NaN a (quiet) NaN and turns
// values beyond the type's range into Inf: the same bits as common/half.h.
// Highway 1.0.3's DemoteTo to bf16 truncates, and its fp16 conversions
// without F16C (SSE4 and older, EMU128, SCALAR) neither round nor handle
// Inf/NaN, so those are done here with integer operations.
// Adding a storage type: a tag with T and kDtype, and the four primitive
// conversions below (Widen / Narrow).

#if defined(SIMDNORM_KERNELS_STORAGE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SIMDNORM_KERNELS_STORAGE_INL_H_
#undef SIMDNORM_KERNELS_STORAGE_INL_H_
#else
#define SIMDNORM_KERNELS_STORAGE_INL_H_
#endif

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "common/half.h"
#include "hwy/highway.h"
#include "kernels/tail-inl.h"
#include "simdnorm/simdnorm.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm::internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

struct StorageF32 {
  using T = float;
  static constexpr simdnorm_dtype kDtype = SIMDNORM_F32;
};
struct StorageBF16 {
  using T = uint16_t;
  static constexpr simdnorm_dtype kDtype = SIMDNORM_BF16;
};
struct StorageF16 {
  using T = uint16_t;
  static constexpr simdnorm_dtype kDtype = SIMDNORM_F16;
};
// bf16 whose whole vectors narrow with AVX512_BF16's vcvtneps2bf16: the
// table that bf16 kernel files pick on AVX-512 CPUs that have it
// (SIMDNORM_BF16_HARDWARE below, common/cpu_features.h). The same bits.
struct StorageBF16Hardware : StorageBF16 {};

#undef SIMDNORM_NATIVE_F16
#if (HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2 && !defined(HWY_DISABLE_F16C)) || \
    (HWY_ARCH_ARM_A64 && HWY_TARGET != HWY_EMU128 && HWY_TARGET != HWY_SCALAR)
#define SIMDNORM_NATIVE_F16 1  // F16C, NEON and SVE convert in hardware
#else
#define SIMDNORM_NATIVE_F16 0
#endif

// Storage lanes matching fp32 tag D (same count, narrower type).
template <class S, class D>
using StorageTag = hn::Rebind<typename S::T, D>;

// ------------------------------------------------ widen / narrow in lanes

template <class D>
HWY_INLINE hn::Vec<D> Widen(StorageF32, D, hn::Vec<D> v) {
  return v;
}

template <class D, class V16>
HWY_INLINE hn::Vec<D> Widen(StorageBF16, D d, V16 bits) {
  const hn::RebindToUnsigned<D> du;
  return hn::BitCast(d, hn::ShiftLeft<16>(hn::PromoteTo(du, bits)));
}

template <class D, class V16>
HWY_INLINE hn::Vec<D> Widen(StorageF16, D d, V16 bits) {
#if SIMDNORM_NATIVE_F16
  const hn::Rebind<hwy::float16_t, D> df16;
  return hn::PromoteTo(d, hn::BitCast(df16, bits));
#else
  const hn::RebindToUnsigned<D> du;
  const auto h = hn::PromoteTo(du, bits);
  const auto sign = hn::ShiftLeft<16>(hn::And(h, hn::Set(du, 0x8000u)));
  const auto magnitude = hn::And(h, hn::Set(du, 0x7FFFu));
  // The fp16 bits shifted into fp32 are the value times 2^-112 (normal and
  // subnormal alike): scaling by 2^112 is exact. Inf/NaN: all-ones exponent.
  const auto shifted = hn::ShiftLeft<13>(magnitude);
  const auto finite = hn::BitCast(
      du, hn::Mul(hn::BitCast(d, shifted), hn::Set(d, 0x1p112f)));
  const auto special = hn::Or(shifted, hn::Set(du, 0x7F800000u));
  const auto is_special =
      hn::Gt(hn::BitCast(hn::RebindToSigned<D>(), magnitude),
             hn::Set(hn::RebindToSigned<D>(), 0x7BFF));  // >= 0x7C00
  return hn::BitCast(
      d, hn::Or(sign, hn::IfThenElse(hn::RebindMask(du, is_special), special,
                                     finite)));
#endif
}

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
// AVX-512: the odd bit as a mask (the +1 a masked add), and NaN lanes
// replaced by v with its quiet bit by one fixup (tokens 2 for the QNaN
// and SNaN classes, 0 = keep the rounded value for the rest): 4 uops
// instead of 7, the same bits.
#define SIMDNORM_BF16_ROUND_AVX512(W, P)                                  \
  HWY_INLINE __m##W##i BF16RoundedRaw(__m##W v) {                        \
    const __m##W##i bits = _mm##P##_castps_si##W(v);                     \
    const auto odd =                                                     \
        _mm##P##_test_epi32_mask(bits, _mm##P##_set1_epi32(1 << 16));    \
    __m##W##i r = _mm##P##_add_epi32(bits, _mm##P##_set1_epi32(0x7FFF)); \
    r = _mm##P##_mask_add_epi32(r, odd, r, _mm##P##_set1_epi32(1));      \
    return _mm##P##_castps_si##W(_mm##P##_fixupimm_ps(                   \
        _mm##P##_castsi##W##_ps(r), v, _mm##P##_set1_epi32(0x22), 0));   \
  }
SIMDNORM_BF16_ROUND_AVX512(512, 512)
SIMDNORM_BF16_ROUND_AVX512(256, 256)
SIMDNORM_BF16_ROUND_AVX512(128, )
#undef SIMDNORM_BF16_ROUND_AVX512
#endif

// The bf16 bits of v in the upper 16 bits of each u32 lane (the lower
// ones are not zeroed): rounded to nearest even, NaN quieted.
template <class D>
HWY_INLINE hn::Vec<hn::RebindToUnsigned<D>> BF16InUpperHalves(D,
                                                              hn::Vec<D> v) {
  const hn::RebindToUnsigned<D> du;
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  return hn::Vec<decltype(du)>{BF16RoundedRaw(v.raw)};
#else
  const auto bits = hn::BitCast(du, v);
  const auto odd = hn::And(hn::ShiftRight<16>(bits), hn::Set(du, 1u));
  const auto rounded = hn::Add(hn::Add(bits, hn::Set(du, 0x7FFFu)), odd);
  const auto quiet_nan = hn::Or(bits, hn::Set(du, 0x00400000u));
  // Not Ne(v, v): Highway 1.0.3's float Ne on AVX2/AVX3 is the ordered
  // compare, false for NaN.
  const auto nan = hn::RebindMask(du, hn::IsNaN(v));
  return hn::IfThenElse(nan, quiet_nan, rounded);
#endif
}

// Narrow to the bits of 16-bit storage, one u32 lane per value; callers
// demote to u16 lanes.
template <class D>
HWY_INLINE hn::Vec<hn::RebindToUnsigned<D>> NarrowBits(StorageBF16, D d,
                                                       hn::Vec<D> v) {
  return hn::ShiftRight<16>(BF16InUpperHalves(d, v));
}

template <class D>
HWY_INLINE hn::Vec<hn::RebindToUnsigned<D>> NarrowBits(StorageF16, D d,
                                                       hn::Vec<D> v) {
  const hn::RebindToUnsigned<D> du;
  const hn::RebindToSigned<D> di;
  const auto bits = hn::BitCast(du, v);
  const auto sign = hn::And(hn::ShiftRight<16>(bits), hn::Set(du, 0x8000u));
  const auto a = hn::And(bits, hn::Set(du, 0x7FFFFFFFu));
  const auto ai = hn::BitCast(di, a);  // < 2^31: signed compares are fine
  // Normal: rebias the exponent (127 -> 15), round 13 bits to nearest even.
  const auto odd = hn::And(hn::ShiftRight<13>(a), hn::Set(du, 1u));
  const auto normal = hn::ShiftRight<13>(hn::Add(
      hn::Sub(a, hn::Set(du, 0x38000000u)), hn::Add(hn::Set(du, 0xFFFu), odd)));
  // Subnormal: after adding 0.5 the fp32 ulp is fp16's subnormal step, so
  // the addition rounds to nearest even.
  const auto sub = hn::Sub(
      hn::BitCast(du, hn::Add(hn::BitCast(d, a), hn::Set(d, 0.5f))),
      hn::Set(du, 0x3F000000u));
  auto h = hn::IfThenElse(
      hn::RebindMask(du, hn::Lt(ai, hn::Set(di, 0x38800000))), sub, normal);
  h = hn::IfThenElse(
      hn::RebindMask(du, hn::Gt(ai, hn::Set(di, 0x477FEFFF))),  // >= 65520
      hn::Set(du, 0x7C00u), h);
  h = hn::IfThenElse(
      hn::RebindMask(du, hn::Gt(ai, hn::Set(di, 0x7F800000))),
      hn::Set(du, 0x7E00u), h);
  return hn::Or(sign, h);
}

template <class D>
HWY_INLINE hn::Vec<D> Narrow(StorageF32, D, hn::Vec<D> v) {
  return v;
}

template <class S, class D>
HWY_INLINE hn::Vec<StorageTag<S, D>> Narrow(S s, D d, hn::Vec<D> v) {
  const StorageTag<S, D> d16;
#if SIMDNORM_NATIVE_F16
  if constexpr (S::kDtype == SIMDNORM_F16) {
    const hn::Rebind<hwy::float16_t, D> df16;
    return hn::BitCast(d16, hn::DemoteTo(df16, v));
  }
#endif
  const hn::RebindToSigned<D> di;
  // Values are at most 0xFFFF: the saturating demotion keeps them.
  return hn::DemoteTo(d16, hn::BitCast(di, NarrowBits(s, d, v)));
}

// ------------------------------------------ whole bf16 vectors on x86
// The portable forms widen with a shift and narrow with a shift and a
// saturating demotion: uops on the ports that also run the kernels'
// arithmetic. Byte permutations put the 16-bit values in (or take them
// from) the upper halves of the 32-bit lanes on the shuffle port instead,
// with the same bits (bf16 LayerNorm 4096x768 on AVX2: 23% faster). BF16Tag
// is the full native vector they handle.
#undef SIMDNORM_BF16_PERMUTES
#undef SIMDNORM_BF16_HARDWARE
#if HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
#define SIMDNORM_BF16_PERMUTES 1
#define SIMDNORM_BF16_HARDWARE 0
using BF16Tag = hn::Full256<float>;

HWY_INLINE hn::Vec256<float> LoadBF16(const uint16_t* HWY_RESTRICT p) {
  // Both 128-bit blocks hold the 8 values; each takes 4 into upper halves.
  const __m256i both = _mm256_broadcastsi128_si256(
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  const __m256i to_upper = _mm256_setr_epi8(
      -128, -128, 0, 1, -128, -128, 2, 3, -128, -128, 4, 5, -128, -128, 6, 7,
      -128, -128, 8, 9, -128, -128, 10, 11, -128, -128, 12, 13, -128, -128, 14,
      15);
  return hn::Vec256<float>{
      _mm256_castsi256_ps(_mm256_shuffle_epi8(both, to_upper))};
}

template <bool kStream, bool kHardware>
HWY_INLINE void StoreBF16(hn::Vec256<float> v, uint16_t* HWY_RESTRICT p) {
  static_assert(!kHardware, "AVX512_BF16 kernels are AVX-512 only");
  const __m256i upper = BF16InUpperHalves(BF16Tag(), v).raw;
  // The upper halves to the low 8 bytes of each block, then the blocks'
  // low halves together.
  const __m256i from_upper = _mm256_setr_epi8(
      2, 3, 6, 7, 10, 11, 14, 15, -128, -128, -128, -128, -128, -128, -128,
      -128, 2, 3, 6, 7, 10, 11, 14, 15, -128, -128, -128, -128, -128, -128,
      -128, -128);
  const __m128i packed = _mm256_castsi256_si128(_mm256_permute4x64_epi64(
      _mm256_shuffle_epi8(upper, from_upper), 0x88));
  if constexpr (kStream) {
    _mm_stream_si128(reinterpret_cast<__m128i*>(p), packed);
  } else {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), packed);
  }
}
#elif HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
// AVX-512BW: one word permute each way (vpermw, zeroing the lower halves
// on the way in). Zen 5, 1 thread, best of 9: bf16 LayerNorm 4096x768
// 435 -> 365 us, 2048x4096 1216 -> 1056 us, GroupNorm NHWC 2x320x64x64
// 361 -> 338 us (on a Skylake-class Xeon, where vpermw is two uops, it
// measured as fast as the shift and the demotion).
#define SIMDNORM_BF16_PERMUTES 1
using BF16Tag = hn::Full512<float>;

HWY_INLINE hn::Vec512<float> LoadBF16(const uint16_t* HWY_RESTRICT p) {
  // Word 2j+1 of the result is value j; the even words are zeroed.
  const __m512i to_upper = _mm512_set_epi16(
      15, 0, 14, 0, 13, 0, 12, 0, 11, 0, 10, 0, 9, 0, 8, 0, 7, 0, 6, 0, 5, 0,
      4, 0, 3, 0, 2, 0, 1, 0, 0, 0);
  const __m512i values = _mm512_castsi256_si512(
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  return hn::Vec512<float>{_mm512_castsi512_ps(_mm512_maskz_permutexvar_epi16(
      0xAAAAAAAAu, to_upper, values))};
}

HWY_INLINE __m256i BF16Rounded(hn::Vec512<float> v) {
  // Word j of the low half is the upper half of lane j.
  const __m512i from_upper = _mm512_set_epi16(
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 31, 29, 27, 25, 23, 21,
      19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
  return _mm512_castsi512_si256(_mm512_permutexvar_epi16(
      from_upper, BF16InUpperHalves(BF16Tag(), v).raw));
}

template <bool kStream>
HWY_INLINE void StorePacked(__m256i packed, uint16_t* HWY_RESTRICT p) {
  if constexpr (kStream) {
    _mm256_stream_si256(reinterpret_cast<__m256i*>(p), packed);
  } else {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), packed);
  }
}

// AVX512_BF16's vcvtneps2bf16: one instruction instead of the rounding and
// the permute. Inline assembly: the kernels are not compiled for that
// extension, and a function that is cannot be inlined into them. The
// instruction treats subnormal inputs as zero; vectors with such lanes
// (|v| < 2^-126, rare) take the integer rounding instead.
#define SIMDNORM_BF16_HARDWARE 1
HWY_INLINE __m256i BF16ByHardware(hn::Vec512<float> v) {
  __m256i packed;
  asm("vcvtneps2bf16 %1, %0" : "=v"(packed) : "v"(v.raw));
  return packed;
}

HWY_INLINE __mmask16 SubnormalLanes(hn::Vec512<float> v) {
  constexpr int kSubnormal = 0x20;  // vfpclassps category
  return _mm512_fpclass_ps_mask(v.raw, kSubnormal);
}

template <bool kStream, bool kHardware>
HWY_INLINE void StoreBF16(hn::Vec512<float> v, uint16_t* HWY_RESTRICT p) {
  if (kHardware && HWY_LIKELY(SubnormalLanes(v) == 0)) {
    StorePacked<kStream>(BF16ByHardware(v), p);
  } else {
    StorePacked<kStream>(BF16Rounded(v), p);
  }
}

// Four vectors to p[0, 64), with one test of their lanes: a branch per
// vector measured as slow as the integer rounding (bf16 LayerNorm on Zen 5,
// 1 thread: 4096x768 390 -> 390 us per vector, -> 335-365 us per four).
template <bool kStream>
HWY_INLINE void StoreBF16x4ByHardware(hn::Vec512<float> v0,
                                      hn::Vec512<float> v1,
                                      hn::Vec512<float> v2,
                                      hn::Vec512<float> v3,
                                      uint16_t* HWY_RESTRICT p) {
  const unsigned subnormal = SubnormalLanes(v0) | SubnormalLanes(v1) |
                             SubnormalLanes(v2) | SubnormalLanes(v3);
  if (HWY_UNLIKELY(subnormal != 0)) {
    StorePacked<kStream>(BF16Rounded(v0), p);
    StorePacked<kStream>(BF16Rounded(v1), p + 16);
    StorePacked<kStream>(BF16Rounded(v2), p + 32);
    StorePacked<kStream>(BF16Rounded(v3), p + 48);
    return;
  }
  StorePacked<kStream>(BF16ByHardware(v0), p);
  StorePacked<kStream>(BF16ByHardware(v1), p + 16);
  StorePacked<kStream>(BF16ByHardware(v2), p + 32);
  StorePacked<kStream>(BF16ByHardware(v3), p + 48);
}
#else
#define SIMDNORM_BF16_PERMUTES 0
#define SIMDNORM_BF16_HARDWARE 0
struct BF16Tag {};  // no vector tag: declared only, never called
hn::Vec<hn::ScalableTag<float>> LoadBF16(const uint16_t* HWY_RESTRICT p);
template <bool kStream, bool kHardware, class V>
void StoreBF16(V v, uint16_t* HWY_RESTRICT p);
#endif

template <class S>
constexpr bool kBF16Hardware = std::is_same_v<S, StorageBF16Hardware>;

// Whether full vectors of D in storage S take the permutes above.
template <class S, class D>
constexpr bool BF16Permuted() {
  return S::kDtype == SIMDNORM_BF16 && std::is_same_v<D, BF16Tag>;
}

// One stored value as fp32 (pivots), bit-exact with the vector widening.
template <class S>
HWY_INLINE float ToF32(typename S::T v) {
  if constexpr (S::kDtype == SIMDNORM_F32) {
    return v;
  } else if constexpr (S::kDtype == SIMDNORM_BF16) {
    return F32FromBF16Bits(v);
  } else {
    return F32FromF16Bits(v);
  }
}

// ------------------------------------------------------------ memory

template <class S, class D>
HWY_INLINE hn::Vec<D> LoadF32(D d, const typename S::T* HWY_RESTRICT p) {
  if constexpr (S::kDtype == SIMDNORM_F32) {
    return hn::LoadU(d, p);
  } else if constexpr (BF16Permuted<S, D>()) {
    return LoadBF16(p);
  } else {
    return Widen(S(), d, hn::LoadU(StorageTag<S, D>(), p));
  }
}

template <class S, class D>
HWY_INLINE hn::Vec<D> LoadF32Tail(D d, const typename S::T* HWY_RESTRICT p,
                                  size_t count) {
  if constexpr (S::kDtype == SIMDNORM_F32) {
    return LoadTail(d, p, count);
  } else {
    return Widen(S(), d, LoadTail(StorageTag<S, D>(), p, count));
  }
}

template <class S, class D>
HWY_INLINE void StoreF32(hn::Vec<D> v, D d, typename S::T* HWY_RESTRICT p) {
  if constexpr (S::kDtype == SIMDNORM_F32) {
    hn::StoreU(v, d, p);
  } else if constexpr (BF16Permuted<S, D>()) {
    StoreBF16<false, kBF16Hardware<S>>(v, p);
  } else {
    hn::StoreU(Narrow(S(), d, v), StorageTag<S, D>(), p);
  }
}

template <class S, class D>
HWY_INLINE void StoreF32Tail(hn::Vec<D> v, D d, typename S::T* HWY_RESTRICT p,
                             size_t count) {
  if constexpr (S::kDtype == SIMDNORM_F32) {
    StoreTail(v, d, p, count);
  } else {
    StoreTail(Narrow(S(), d, v), StorageTag<S, D>(), p, count);
  }
}

// p aligned to Lanes(d) elements.
template <class S, class D>
HWY_INLINE void StreamF32(hn::Vec<D> v, D d, typename S::T* HWY_RESTRICT p) {
  if constexpr (S::kDtype == SIMDNORM_F32) {
    hn::Stream(v, d, p);
  } else if constexpr (BF16Permuted<S, D>()) {
    StoreBF16<true, kBF16Hardware<S>>(v, p);
  } else {
    hn::Stream(Narrow(S(), d, v), StorageTag<S, D>(), p);
  }
}

// A vector to p, streamed (p aligned to Lanes(d) elements) or not.
template <class S, bool kStream, class D>
HWY_INLINE void StoreOut(hn::Vec<D> v, D d, typename S::T* HWY_RESTRICT p) {
  if constexpr (kStream) {
    StreamF32<S>(v, d, p);
  } else {
    StoreF32<S>(v, d, p);
  }
}

// Four vectors to p[0, 4 * Lanes(d)), as StoreOut: the kernels' main
// loops, where AVX512_BF16 tests the four for subnormal lanes at once (one
// branch per vector measured as slow as the integer rounding).
template <class S, bool kStream, class D>
HWY_INLINE void StoreOut4(hn::Vec<D> v0, hn::Vec<D> v1, hn::Vec<D> v2,
                          hn::Vec<D> v3, D d, typename S::T* HWY_RESTRICT p) {
#if SIMDNORM_BF16_HARDWARE
  if constexpr (kBF16Hardware<S> && BF16Permuted<S, D>()) {
    return StoreBF16x4ByHardware<kStream>(v0, v1, v2, v3, p);
  }
#endif
  const size_t N = hn::Lanes(d);
  StoreOut<S, kStream>(v0, d, p);
  StoreOut<S, kStream>(v1, d, p + N);
  StoreOut<S, kStream>(v2, d, p + 2 * N);
  StoreOut<S, kStream>(v3, d, p + 3 * N);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_STORAGE_INL_H_
