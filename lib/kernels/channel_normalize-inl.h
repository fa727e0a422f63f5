// Normalize passes of GroupNorm, InstanceNorm and BatchNorm, with the
// activation fused: y = act((x * scale - scaled_pivot) * mul + add), one
// FMA-form subtract and one FMA per element with per-channel coefficients
// (scale null: all 1, the subtract is a plain x - pivot, same value).
// With scale 1 the first step is an exact-rounded x - pivot, so data with
// a large offset keeps its accuracy and a constant group gives exactly add
// (= beta).
//
// In place (y == x) is fine: each vector is read before it is written.
// Tails: partial vectors, masked; nothing outside the spans is touched.
// `stream`: whole aligned vectors of y go out with non-temporal stores
// (same values; for outputs far beyond the last-level cache), followed by
// a fence before returning. Only where every cache line of y is written
// whole by the call (contiguous y); otherwise ordinary stores.
// fp64 activations (GELU) run over blocks of fp32 values in a stack buffer
// (L1), then round once to y's type, with ordinary stores.
// Lanes: any count, SCALAR included.
// Storage: written once over the storage tag S (kernels/storage-inl.h):
// x and y are S::T, loads widen to fp32 lanes and stores round once to S;
// coefficients are fp32. The output tag O (S, or StorageF32 for the
// blocks a quantized y is formed in) is a template parameter of its own.

#if defined(SIMDNORM_KERNELS_CHANNEL_NORMALIZE_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef SIMDNORM_KERNELS_CHANNEL_NORMALIZE_INL_H_
#undef SIMDNORM_KERNELS_CHANNEL_NORMALIZE_INL_H_
#else
#define SIMDNORM_KERNELS_CHANNEL_NORMALIZE_INL_H_
#endif

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <optional>

#include "common/alignment.h"
#include "common/contract.h"
#include "common/line_aligned.h"
#include "hwy/cache_control.h"
#include "hwy/highway.h"
#include "kernels/activation-inl.h"
#include "kernels/channel_kernels.h"
#include "kernels/sequential_loads-inl.h"
#include "kernels/storage-inl.h"
#include "kernels/tail-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm::internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Elements per block of an fp64 activation pass (stays in L1).
constexpr size_t kActivationBlock = 1024;

template <class D, class Act>
HWY_INLINE hn::Vec<D> NormalizeValue(D d, const Act& act, hn::Vec<D> v,
                                     hn::Vec<D> scale, hn::Vec<D> pivot,
                                     hn::Vec<D> mul, hn::Vec<D> add) {
  return act(d, hn::MulAdd(hn::MulSub(v, scale, pivot), mul, add));
}

// Scale 1: v - pivot is the value MulSub(v, 1, pivot) gives.
template <class D, class Act>
HWY_INLINE hn::Vec<D> NormalizeUnit(D d, const Act& act, hn::Vec<D> v,
                                    hn::Vec<D> pivot, hn::Vec<D> mul,
                                    hn::Vec<D> add) {
  return act(d, hn::MulAdd(hn::Sub(v, pivot), mul, add));
}

// ------------------------------------------------------------ channels first

// One channel: y[0, n) from x[0, n) with scalar coefficients. SX / SY:
// the storage of x and of y (y is fp32 where an fp64 activation follows).
template <class SX, class SY, class Act>
HWY_INLINE void NormalizeSpan(const typename SX::T* x, typename SY::T* y,
                              size_t n, float scale, float pivot, float mul,
                              float add) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const Act act;
  const auto vs = hn::Set(d, scale), vp = hn::Set(d, pivot),
             vm = hn::Set(d, mul), va = hn::Set(d, add);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const auto v0 = LoadF32<SX>(d, x + i);
    const auto v1 = LoadF32<SX>(d, x + i + N);
    StoreF32<SY>(NormalizeValue(d, act, v0, vs, vp, vm, va), d, y + i);
    StoreF32<SY>(NormalizeValue(d, act, v1, vs, vp, vm, va), d, y + i + N);
  }
  for (; i + N <= n; i += N) {
    StoreF32<SY>(
        NormalizeValue(d, act, LoadF32<SX>(d, x + i), vs, vp, vm, va), d,
        y + i);
  }
  if (i < n) {
    const auto v = LoadF32Tail<SX>(d, x + i, n - i);
    StoreF32Tail<SY>(NormalizeValue(d, act, v, vs, vp, vm, va), d, y + i,
                     n - i);
  }
}

// Prefetches the lines of [p, p + count) (count: a whole unrolled step).
template <typename T>
HWY_INLINE void PrefetchStep(const T* p, size_t count) {
  constexpr size_t kLineElems = 64 / sizeof(T);
  for (size_t j = 0; j < count; j += kLineElems) hwy::Prefetch(p + j);
}

// Channels [0, channels) of `spatial` values each, walked as one contiguous
// run of vectors: a vector that straddles two channels takes its lanes'
// coefficients from both (one blend), so short channels (7x7) cost no
// per-channel tails, and vectors can stay aligned to y for streaming.
// Needs spatial >= Lanes: a vector then crosses at most one boundary.
// Values are those of the per-channel form, lane by lane.
template <class S, class O, class Act, bool kStream>
void ChannelsFirstRun(const typename S::T* x, typename O::T* y, size_t channels,
                      size_t S_len, const ChannelCoefficients& k,
                      const typename S::T* prefetch) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const Act act;
  const size_t total = channels * S_len;
  SIMDNORM_DASSERT(S_len >= N);  // a vector crosses at most one channel end
  const auto scale_of = [&k](size_t c) { return k.scale ? k.scale[c] : 1.0f; };
  size_t c = 0;
  size_t c_end = S_len;  // end of channel c
  auto vs = hn::Set(d, scale_of(0)), vp = hn::Set(d, k.scaled_pivot[0]),
       vm = hn::Set(d, k.mul[0]), va = hn::Set(d, k.add[0]);
  size_t i = 0;
  // Leading partial vector up to y's alignment (within channel 0: S >= N),
  // streaming or not: vector stores across two cache lines cost two.
  const size_t head = std::min(total, MisalignedHead(y, N));
  if (head != 0) {
    const auto v = LoadF32Tail<S>(d, x, head);
    StoreF32Tail<O>(NormalizeValue(d, act, v, vs, vp, vm, va), d, y, head);
    i = head;
  }
  for (;;) {
    for (; i + 4 * N <= c_end; i += 4 * N) {
      if (prefetch != nullptr) PrefetchStep(prefetch + i, 4 * N);
      const auto v0 = LoadF32<S>(d, x + i), v1 = LoadF32<S>(d, x + i + N),
                 v2 = LoadF32<S>(d, x + i + 2 * N),
                 v3 = LoadF32<S>(d, x + i + 3 * N);
      StoreOut4<O, kStream>(NormalizeValue(d, act, v0, vs, vp, vm, va),
                            NormalizeValue(d, act, v1, vs, vp, vm, va),
                            NormalizeValue(d, act, v2, vs, vp, vm, va),
                            NormalizeValue(d, act, v3, vs, vp, vm, va), d,
                            y + i);
    }
    for (; i + N <= c_end; i += N) {
      StoreOut<O, kStream>(
          NormalizeValue(d, act, LoadF32<S>(d, x + i), vs, vp, vm, va), d,
          y + i);
    }
    if (i == total) break;
    if (c + 1 == channels) {  // partial last vector of the last channel
      const size_t rest = total - i;
      const auto v = LoadF32Tail<S>(d, x + i, rest);
      StoreF32Tail<O>(NormalizeValue(d, act, v, vs, vp, vm, va), d, y + i,
                      rest);
      break;
    }
    ++c;
    const auto ns = hn::Set(d, scale_of(c)), np = hn::Set(d, k.scaled_pivot[c]),
               nm = hn::Set(d, k.mul[c]), na = hn::Set(d, k.add[c]);
    if (i < c_end) {
      // Lanes [0, c_end - i) belong to the previous channel; the vector
      // is whole since the next channel has S >= N values.
      const auto first = hn::FirstN(d, c_end - i);
      const auto v = LoadF32<S>(d, x + i);
      StoreOut<O, kStream>(
          NormalizeValue(d, act, v, hn::IfThenElse(first, vs, ns),
                         hn::IfThenElse(first, vp, np),
                         hn::IfThenElse(first, vm, nm),
                         hn::IfThenElse(first, va, na)),
          d, y + i);
      i += N;
    }
    vs = ns;
    vp = np;
    vm = nm;
    va = na;
    c_end += S_len;
  }
}

// An fp64 activation over y[0, n) = the normalized values of x[0, n):
// blocks of fp32 in a stack buffer (L1), activated in fp64 and rounded
// once to S (y's storage). normalize(x, block, len) writes the block's fp32
// values.
template <class S, class Act, class Normalize>
HWY_INLINE void NormalizeThenActivateF64(const Normalize& normalize,
                                         typename S::T* y, size_t n) {
  HWY_ALIGN float block[kActivationBlock];
  for (size_t i = 0; i < n; i += kActivationBlock) {
    const size_t len = std::min(kActivationBlock, n - i);
    normalize(i, block, len);
    ActivateF64<Act, S>(block, y + i, len);
  }
}

// S: x's storage; O: y's (S, or fp32 for a block to be quantized).
template <class S, class O, class Act>
void ChannelsFirstT(const void* x_bytes, void* y_bytes, int64_t channels,
                    int64_t spatial, const ChannelCoefficients& k, bool stream,
                    const void* prefetch_bytes) {
  using T = typename S::T;
  using TO = typename O::T;
  const T* x = static_cast<const T*>(x_bytes);
  TO* y = static_cast<TO*>(y_bytes);
  const T* prefetch = static_cast<const T*>(prefetch_bytes);
  const size_t n = static_cast<size_t>(spatial);
  const size_t N = hn::Lanes(hn::ScalableTag<float>());
  if (channels <= 0 || spatial <= 0) return;
  if (!Act::kF64 && n >= N) {
    if (stream && ElementAligned(y)) {
      ChannelsFirstRun<S, O, Act, true>(x, y, static_cast<size_t>(channels), n,
                                        k, prefetch);
      // Non-temporal stores are weakly ordered: make them visible before
      // the caller signals completion to other threads.
      hwy::FlushStream();
    } else {
      ChannelsFirstRun<S, O, Act, false>(x, y, static_cast<size_t>(channels), n,
                                         k, prefetch);
    }
    return;
  }
  for (int64_t c = 0; c < channels; ++c) {
    const T* xc = x + c * spatial;
    TO* yc = y + c * spatial;
    const float scale = k.scale ? k.scale[c] : 1.0f;
    if (!Act::kF64) {
      NormalizeSpan<S, O, Act>(xc, yc, n, scale, k.scaled_pivot[c], k.mul[c],
                               k.add[c]);
      continue;
    }
    NormalizeThenActivateF64<O, Act>(
        [&](size_t i, float* block, size_t len) {
          NormalizeSpan<S, StorageF32, ActNone>(xc + i, block, len, scale,
                                                k.scaled_pivot[c], k.mul[c],
                                                k.add[c]);
        },
        yc, n);
  }
}

// ------------------------------------------------------------- channels last

// One row of channels [c0, c0 + count): y from x with coefficient vectors
// (SY as in NormalizeSpan).
template <class SX, class SY, class Act>
HWY_INLINE void NormalizeRow(const typename SX::T* x, typename SY::T* y,
                             size_t c0, size_t count,
                             const ChannelCoefficients& k) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const Act act;
  size_t j = 0;
  for (; j + N <= count; j += N) {
    const size_t c = c0 + j;
    const auto v = LoadF32<SX>(d, x + j);
    const auto s = k.scale ? hn::LoadU(d, k.scale + c) : hn::Set(d, 1.0f);
    StoreF32<SY>(
        NormalizeValue(d, act, v, s, hn::LoadU(d, k.scaled_pivot + c),
                       hn::LoadU(d, k.mul + c), hn::LoadU(d, k.add + c)),
        d, y + j);
  }
  if (j < count) {
    const size_t c = c0 + j;
    const size_t rest = count - j;
    const auto v = LoadF32Tail<SX>(d, x + j, rest);
    const auto s = k.scale ? LoadTail(d, k.scale + c, rest) : hn::Set(d, 1.0f);
    StoreF32Tail<SY>(
        NormalizeValue(d, act, v, s, LoadTail(d, k.scaled_pivot + c, rest),
                       LoadTail(d, k.mul + c, rest),
                       LoadTail(d, k.add + c, rest)),
        d, y + j, rest);
  }
}

// Rows in order, each row's vectors in order, coefficients re-read from L1
// (a few KiB): x and y are walked sequentially, which the prefetchers
// follow, instead of column strips down the rows. Scale 1 (k.scale null)
// saves one coefficient load per vector. kStream: every row start of y is
// vector-aligned and rows are whole multiples of vectors (checked by the
// caller).
template <class S, class O, bool kUnitScale, bool kStream, class Act>
void ChannelsLastRows(const typename S::T* x, typename O::T* y, int64_t rows,
                      int64_t x_stride, int64_t y_stride, size_t C,
                      const ChannelCoefficients& k,
                      const typename S::T* prefetch) {
  using T = typename S::T;
  using TO = typename O::T;
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const Act act;
  const float* HWY_RESTRICT ks = k.scale;
  const float* HWY_RESTRICT kp = k.scaled_pivot;
  const float* HWY_RESTRICT km = k.mul;
  const float* HWY_RESTRICT ka = k.add;
  // Streaming writes whole aligned vectors only (no partial lines).
  SIMDNORM_DASSERT(!kStream ||
                   (C % N == 0 && y_stride % N == 0 &&
                    ElementAligned(y) && ElementsPastVector(y, N) == 0));
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * x_stride;
    TO* yr = y + r * y_stride;
    if (prefetch != nullptr) PrefetchStep(prefetch + r * x_stride, C);
    size_t c = 0;
    for (; c + 2 * N <= C; c += 2 * N) {
      const auto v0 = LoadF32<S>(d, xr + c), v1 = LoadF32<S>(d, xr + c + N);
      if (kUnitScale) {
        StoreOut<O, kStream>(
            NormalizeUnit(d, act, v0, hn::LoadU(d, kp + c),
                          hn::LoadU(d, km + c), hn::LoadU(d, ka + c)),
            d, yr + c);
        StoreOut<O, kStream>(
            NormalizeUnit(d, act, v1, hn::LoadU(d, kp + c + N),
                          hn::LoadU(d, km + c + N), hn::LoadU(d, ka + c + N)),
            d, yr + c + N);
      } else {
        StoreOut<O, kStream>(
            NormalizeValue(d, act, v0, hn::LoadU(d, ks + c),
                           hn::LoadU(d, kp + c), hn::LoadU(d, km + c),
                           hn::LoadU(d, ka + c)),
            d, yr + c);
        StoreOut<O, kStream>(
            NormalizeValue(d, act, v1, hn::LoadU(d, ks + c + N),
                           hn::LoadU(d, kp + c + N), hn::LoadU(d, km + c + N),
                           hn::LoadU(d, ka + c + N)),
            d, yr + c + N);
      }
    }
    for (; c + N <= C; c += N) {
      const auto v = LoadF32<S>(d, xr + c);
      const auto s = kUnitScale ? hn::Set(d, 1.0f) : hn::LoadU(d, ks + c);
      StoreOut<O, kStream>(
          NormalizeValue(d, act, v, s, hn::LoadU(d, kp + c),
                         hn::LoadU(d, km + c), hn::LoadU(d, ka + c)),
          d, yr + c);
    }
    if (c < C) {
      const size_t rest = C - c;
      const auto v = LoadF32Tail<S>(d, xr + c, rest);
      const auto s =
          kUnitScale ? hn::Set(d, 1.0f) : LoadTail(d, ks + c, rest);
      StoreF32Tail<O>(
          NormalizeValue(d, act, v, s, LoadTail(d, kp + c, rest),
                         LoadTail(d, km + c, rest), LoadTail(d, ka + c, rest)),
          d, yr + c, rest);
    }
  }
}

// Contiguous rows (stride == C) as one run of `total` values: the vector at
// element i takes the coefficients of channels (i mod C) onwards, read
// through the wrap so that a vector crossing a row end needs no blend.
// Stores are aligned to y after a masked head (the only partial vector
// before the tail), whatever C is. Values are those of ChannelsLastRows,
// lane by lane.
// Coefficients laid out for a run whose vectors start at element `head`
// (y's first aligned vector): entry j is channel (head + j) mod C, for one
// period P = lcm(C, N) of the vectors' phases, each array on a cache line.
// The vector at element head + m * N then reads entries (m * N) mod P
// onwards: aligned loads, whatever C and y's alignment are. Read at
// phases i mod C instead, each of a vector's three or four coefficient
// loads crosses a cache line (BatchNorm inference NHWC 32x64x56x56 with y
// 16 bytes past a line ran at 2x its aligned time on Zen 5, GroupNorm
// NHWC 8x100x28x28 at 1.4x).
class PeriodicCoefficients {
 public:
  // The period, or 0 where a copy does not pay: coefficients that would
  // not stay in L1 (C itself is fine: the run reads that much anyway), or
  // a run too short to amortize the copy.
  static size_t PeriodFor(size_t C, size_t N, size_t total) {
    const size_t period = C / std::gcd(C, N) * N;
    if (period != C && period > kMaxPeriod) return 0;
    return total >= 16 * period ? period : 0;
  }

  PeriodicCoefficients(const ChannelCoefficients& k, size_t C, size_t period,
                       size_t head)
      : storage_(4 * Stride(period)) {
    const size_t stride = Stride(period);
    float* const base = storage_.data();
    if (base == nullptr) return;  // allocation failed: use the original
    const float* from[4] = {k.scale, k.scaled_pivot, k.mul, k.add};
    float* to[4] = {};
    for (size_t a = 0; a < 4; ++a) {
      if (from[a] == nullptr) continue;
      to[a] = base + a * stride;
      // Whole stretches of channels: head % C to the end, then 0 to C.
      for (size_t j = 0, c = head % C; j < period; c = 0) {
        const size_t n = std::min(C - c, period - j);
        std::copy(from[a] + c, from[a] + c + n, to[a] + j);
        j += n;
      }
    }
    k_ = k;
    k_.scale = to[0];
    k_.scaled_pivot = to[1];
    k_.mul = to[2];
    k_.add = to[3];
    k_.wrap = 0;  // aligned phases never read past the period
    valid_ = true;
  }
  PeriodicCoefficients(const PeriodicCoefficients&) = delete;
  PeriodicCoefficients& operator=(const PeriodicCoefficients&) = delete;

  // Null if the allocation failed (then use the original).
  const ChannelCoefficients* get() const { return valid_ ? &k_ : nullptr; }

 private:
  static constexpr size_t kMaxPeriod = 2048;
  static size_t Stride(size_t period) {
    return static_cast<size_t>(RoundUpToLine(static_cast<int64_t>(period)));
  }

  LineAlignedFloats<4 * 256> storage_;  // on the stack up to a period of 256
  ChannelCoefficients k_;
  bool valid_ = false;
};

// head: the values before y's first aligned vector (at most total).
// kRealign: x's whole vectors through realigned loads (SequentialLoads).
template <class S, class O, bool kUnitScale, bool kStream, class Act,
          bool kRealign>
void ChannelsLastRunT(const typename S::T* x, typename O::T* y, size_t total,
                      size_t head, size_t C,
                      const ChannelCoefficients& wrapped,
                      const typename S::T* prefetch) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  SIMDNORM_DASSERT(static_cast<size_t>(wrapped.wrap) >= N);
  SIMDNORM_DASSERT(head == std::min(total, MisalignedHead(y, N)));
  const Act act;
  size_t i = head;
  // Phases of the vectors after the head: i mod C into the wrapped
  // coefficients, or aligned offsets into a periodic copy when those would
  // not be aligned.
  std::optional<PeriodicCoefficients> periodic;
  size_t period = 0;
  if (C % N != 0 || i % N != 0) {
    period = PeriodicCoefficients::PeriodFor(C, N, total);
    if (period != 0) periodic.emplace(wrapped, C, period, i);
  }
  const bool copied = periodic && periodic->get() != nullptr;
  const ChannelCoefficients& k = copied ? *periodic->get() : wrapped;
  if (!copied) period = C;
  const float* HWY_RESTRICT ks = k.scale;
  const float* HWY_RESTRICT kp = k.scaled_pivot;
  const float* HWY_RESTRICT km = k.mul;
  const float* HWY_RESTRICT ka = k.add;
  // Every whole vector after the head is read in order, through xs.
  SequentialLoads<S, kRealign> xs(x, i, total);
  const auto at = [&](size_t phase) {
    const auto v = xs.Next();
    if (kUnitScale) {
      return NormalizeUnit(d, act, v, hn::LoadU(d, kp + phase),
                           hn::LoadU(d, km + phase), hn::LoadU(d, ka + phase));
    }
    return NormalizeValue(d, act, v, hn::LoadU(d, ks + phase),
                          hn::LoadU(d, kp + phase), hn::LoadU(d, km + phase),
                          hn::LoadU(d, ka + phase));
  };
  const auto part = [&](const ChannelCoefficients& c, size_t i, size_t phase,
                        size_t count) {
    const auto v = LoadF32Tail<S>(d, x + i, count);
    const auto s =
        kUnitScale ? hn::Set(d, 1.0f) : LoadTail(d, c.scale + phase, count);
    StoreF32Tail<O>(
        NormalizeValue(d, act, v, s, LoadTail(d, c.scaled_pivot + phase, count),
                       LoadTail(d, c.mul + phase, count),
                       LoadTail(d, c.add + phase, count)),
        d, y + i, count);
  };
  // The phase kept modulo the period by subtraction (C < N needs several).
  const auto advance = [period](size_t phase, size_t step) {
    phase += step;
    while (phase >= period) phase -= period;
    return phase;
  };
  if (i != 0) part(wrapped, 0, 0, i);  // channels 0 onwards
  size_t phase = copied ? 0 : advance(0, i);
#if !HWY_HAVE_SCALABLE  // (GCC 12 crashes compiling this for SVE)
  if (phase == 0 && period % N == 0 && period <= 4 * N) {
    // A period of one to four vectors (C = 16, 32, 48 or 64 on AVX3; C = 3
    // through its copy): its coefficients stay in registers, and each
    // vector costs one load of x instead of four loads, which split loads
    // of an x misaligned relative to y would otherwise push past L1's
    // load ports. (Named variables: SVE vectors cannot be array elements.)
    const size_t vectors = period / N;
    const auto one = hn::Set(d, 1.0f);
    const auto coef = [&](const float* HWY_RESTRICT a, size_t j) {
      return a == nullptr || j >= vectors ? one : hn::LoadU(d, a + j * N);
    };
    const auto s0 = coef(ks, 0), s1 = coef(ks, 1), s2 = coef(ks, 2),
               s3 = coef(ks, 3);
    const auto p0 = coef(kp, 0), p1 = coef(kp, 1), p2 = coef(kp, 2),
               p3 = coef(kp, 3);
    const auto m0 = coef(km, 0), m1 = coef(km, 1), m2 = coef(km, 2),
               m3 = coef(km, 3);
    const auto a0 = coef(ka, 0), a1 = coef(ka, 1), a2 = coef(ka, 2),
               a3 = coef(ka, 3);
    const auto out = [&](size_t at, auto s, auto p, auto m, auto a) {
      const auto v = xs.Next();
      StoreOut<O, kStream>(kUnitScale ? NormalizeUnit(d, act, v, p, m, a)
                                      : NormalizeValue(d, act, v, s, p, m, a),
                           d, y + at);
    };
    for (; i + period <= total; i += period) {  // the phase stays 0
      if (prefetch != nullptr) PrefetchStep(prefetch + i, period);
      out(i, s0, p0, m0, a0);
      if (vectors > 1) out(i + N, s1, p1, m1, a1);
      if (vectors > 2) out(i + 2 * N, s2, p2, m2, a2);
      if (vectors > 3) out(i + 3 * N, s3, p3, m3, a3);
    }
  }
#endif
  for (; i + 4 * N <= total; i += 4 * N) {
    if (prefetch != nullptr) PrefetchStep(prefetch + i, 4 * N);
    // Within a period (the common case for C >= 4 vectors) the next phases
    // need no wrap: one compare per step instead of one per vector.
    const bool in_period = phase + 3 * N < period;
    const size_t p1 = in_period ? phase + N : advance(phase, N);
    const size_t p2 = in_period ? phase + 2 * N : advance(p1, N);
    const size_t p3 = in_period ? phase + 3 * N : advance(p2, N);
    const auto v0 = at(phase), v1 = at(p1), v2 = at(p2), v3 = at(p3);
    StoreOut4<O, kStream>(v0, v1, v2, v3, d, y + i);
    phase = advance(p3, N);
  }
  for (; i + N <= total; i += N) {
    StoreOut<O, kStream>(at(phase), d, y + i);
    phase = advance(phase, N);
  }
  if (i < total) part(k, i, phase, total - i);
}

// Loads of x realigned where the run streams (x then comes from memory)
// and x is misaligned after y's head.
template <class S, class O, bool kUnitScale, bool kStream, class Act>
void ChannelsLastRun(const typename S::T* x, typename O::T* y, size_t total,
                     size_t C, const ChannelCoefficients& wrapped,
                     const typename S::T* prefetch) {
  const size_t head =
      std::min(total, MisalignedHead(y, hn::Lanes(hn::ScalableTag<float>())));
  if (kStream && Realigns<S>(x, head)) {
    return ChannelsLastRunT<S, O, kUnitScale, kStream, Act, true>(
        x, y, total, head, C, wrapped, prefetch);
  }
  ChannelsLastRunT<S, O, kUnitScale, kStream, Act, false>(
      x, y, total, head, C, wrapped, prefetch);
}

template <class S, class O, class Act, bool kStream>
void ChannelsLastScaleT(const typename S::T* x, typename O::T* y, int64_t rows,
                        int64_t x_stride, int64_t y_stride, size_t C,
                        const ChannelCoefficients& k,
                        const typename S::T* prefetch) {
  if (k.scale == nullptr) {
    return ChannelsLastRows<S, O, true, kStream, Act>(x, y, rows, x_stride,
                                                      y_stride, C, k, prefetch);
  }
  return ChannelsLastRows<S, O, false, kStream, Act>(x, y, rows, x_stride,
                                                     y_stride, C, k, prefetch);
}

// S: x's storage; O: y's (S, or fp32 for a block to be quantized). Row r
// of x starts at x + r * x_stride, of y at y + r * y_stride.
template <class S, class O, class Act>
void ChannelsLastT(const void* x_bytes, void* y_bytes, int64_t rows,
                   int64_t x_stride, int64_t y_stride, int64_t channels,
                   const ChannelCoefficients& k, bool stream,
                   const void* prefetch_bytes) {
  using T = typename S::T;
  using TO = typename O::T;
  const T* x = static_cast<const T*>(x_bytes);
  TO* y = static_cast<TO*>(y_bytes);
  const T* prefetch = static_cast<const T*>(prefetch_bytes);
  const size_t C = static_cast<size_t>(channels);
  if (Act::kF64) {
    for (int64_t r = 0; r < rows; ++r) {
      const T* xr = x + r * x_stride;
      NormalizeThenActivateF64<O, Act>(
          [&](size_t c0, float* block, size_t len) {
            NormalizeRow<S, StorageF32, ActNone>(xr + c0, block, c0, len, k);
          },
          y + r * y_stride, C);
    }
    return;
  }
  const size_t N = hn::Lanes(hn::ScalableTag<float>());
  const bool contiguous = x_stride == channels && y_stride == channels;
  // Rows of whole vectors with every row start aligned need neither the
  // run's phase arithmetic nor its head: without streaming they take the
  // row loop below (same values).
  const bool aligned_rows =
      C % N == 0 && ElementAligned(y) && MisalignedHead(y, N) == 0;
  if (contiguous && static_cast<size_t>(k.wrap) >= N && ElementAligned(y) &&
      (stream || !aligned_rows)) {
    const size_t total = static_cast<size_t>(rows) * C;
    // Streaming writes whole lines except at the two ends of the run.
    if (stream) {
      if (k.scale == nullptr) {
        ChannelsLastRun<S, O, true, true, Act>(x, y, total, C, k, prefetch);
      } else {
        ChannelsLastRun<S, O, false, true, Act>(x, y, total, C, k, prefetch);
      }
      hwy::FlushStream();
      return;
    }
    if (k.scale == nullptr) {
      return ChannelsLastRun<S, O, true, false, Act>(x, y, total, C, k,
                                                     prefetch);
    }
    return ChannelsLastRun<S, O, false, false, Act>(x, y, total, C, k,
                                                    prefetch);
  }
  // Streaming only when the rows tile y exactly with aligned whole vectors:
  // every line of y is then written whole by non-temporal stores.
  if (stream && contiguous && aligned_rows) {
    ChannelsLastScaleT<S, O, Act, true>(x, y, rows, x_stride, y_stride, C, k,
                                        prefetch);
    hwy::FlushStream();
    return;
  }
  ChannelsLastScaleT<S, O, Act, false>(x, y, rows, x_stride, y_stride, C, k,
                                       prefetch);
}

// The activation's kernel: fn(Act()) for act's functor type.
template <class Fn>
HWY_INLINE void WithActivation(simdnorm_activation act, const Fn& fn) {
  switch (act) {
    case SIMDNORM_ACT_RELU:
      return fn(ActRelu());
    case SIMDNORM_ACT_SILU:
      return fn(ActSilu());
    case SIMDNORM_ACT_GELU_ERF:
      return fn(ActGeluErf());
    case SIMDNORM_ACT_GELU_TANH:
      return fn(ActGeluTanh());
    case SIMDNORM_ACT_NONE:
      break;
  }
  return fn(ActNone());
}

template <class S>
void NormalizeChannelsFirst(const void* x, void* y, int64_t channels,
                            int64_t spatial, const ChannelCoefficients& k,
                            simdnorm_activation act, bool stream,
                            const void* prefetch) {
  WithActivation(act, [&](auto a) HWY_ATTR {
    ChannelsFirstT<S, S, decltype(a)>(x, y, channels, spatial, k, stream,
                                      prefetch);
  });
}

template <class S>
void NormalizeChannelsFirstToF32(const void* x, float* y, int64_t channels,
                                 int64_t spatial, const ChannelCoefficients& k,
                                 simdnorm_activation act,
                                 const void* prefetch) {
  WithActivation(act, [&](auto a) HWY_ATTR {
    ChannelsFirstT<S, StorageF32, decltype(a)>(x, y, channels, spatial, k,
                                               false, prefetch);
  });
}

template <class S>
void NormalizeChannelsLast(const void* x, void* y, int64_t rows,
                           int64_t stride, int64_t channels,
                           const ChannelCoefficients& k,
                           simdnorm_activation act, bool stream,
                           const void* prefetch) {
  WithActivation(act, [&](auto a) HWY_ATTR {
    ChannelsLastT<S, S, decltype(a)>(x, y, rows, stride, stride, channels, k,
                                     stream, prefetch);
  });
}

template <class S>
void NormalizeChannelsLastToF32(const void* x, float* y, int64_t rows,
                                int64_t x_stride, int64_t channels,
                                const ChannelCoefficients& k,
                                simdnorm_activation act, const void* prefetch) {
  WithActivation(act, [&](auto a) HWY_ATTR {
    ChannelsLastT<S, StorageF32, decltype(a)>(x, y, rows, x_stride, channels,
                                              channels, k, false, prefetch);
  });
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_CHANNEL_NORMALIZE_INL_H_
