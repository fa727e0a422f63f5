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
// fp64 activations (GELU) run over blocks of y just written (still in L1),
// with ordinary stores.
// Lanes: any count, SCALAR included.

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

#include "hwy/cache_control.h"
#include "common/contract.h"
#include "hwy/highway.h"
#include "kernels/activation-inl.h"
#include "kernels/channel_kernels.h"
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

template <bool kStream, class D>
HWY_INLINE void StoreOut(hn::Vec<D> v, D d, float* p) {
  if (kStream) {
    hn::Stream(v, d, p);
  } else {
    hn::StoreU(v, d, p);
  }
}

// Elements before the first vector-aligned element of y (vectors of
// `lanes` floats); 0 if y is not even float-aligned (then no streaming).
HWY_INLINE size_t MisalignedHead(const float* y, size_t lanes) {
  const uintptr_t bits = reinterpret_cast<uintptr_t>(y);
  if (bits % sizeof(float) != 0) return 0;
  const size_t off = (bits / sizeof(float)) % lanes;
  return off == 0 ? 0 : lanes - off;
}

HWY_INLINE bool FloatAligned(const float* y) {
  return reinterpret_cast<uintptr_t>(y) % sizeof(float) == 0;
}

// ------------------------------------------------------------ channels first

// One channel: y[0, n) from x[0, n) with scalar coefficients.
template <class Act>
HWY_INLINE void NormalizeSpan(const float* x, float* y, size_t n, float scale,
                              float pivot, float mul, float add) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const Act act;
  const auto vs = hn::Set(d, scale), vp = hn::Set(d, pivot),
             vm = hn::Set(d, mul), va = hn::Set(d, add);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const auto v0 = hn::LoadU(d, x + i);
    const auto v1 = hn::LoadU(d, x + i + N);
    hn::StoreU(NormalizeValue(d, act, v0, vs, vp, vm, va), d, y + i);
    hn::StoreU(NormalizeValue(d, act, v1, vs, vp, vm, va), d, y + i + N);
  }
  for (; i + N <= n; i += N) {
    hn::StoreU(NormalizeValue(d, act, hn::LoadU(d, x + i), vs, vp, vm, va), d,
               y + i);
  }
  if (i < n) {
    const auto v = LoadTail(d, x + i, n - i);
    StoreTail(NormalizeValue(d, act, v, vs, vp, vm, va), d, y + i, n - i);
  }
}

// Channels [0, channels) of `spatial` values each, walked as one contiguous
// run of vectors: a vector that straddles two channels takes its lanes'
// coefficients from both (one blend), so short channels (7x7) cost no
// per-channel tails, and vectors can stay aligned to y for streaming.
// Needs spatial >= Lanes: a vector then crosses at most one boundary.
// Values are those of the per-channel form, lane by lane.
// Prefetches the lines of [p, p + count) (count: a whole unrolled step).
HWY_INLINE void PrefetchStep(const float* p, size_t count) {
  constexpr size_t kLineFloats = 64 / sizeof(float);
  for (size_t j = 0; j < count; j += kLineFloats) hwy::Prefetch(p + j);
}

template <class Act, bool kStream>
void ChannelsFirstRun(const float* x, float* y, size_t channels, size_t S,
                      const ChannelCoefficients& k, const float* prefetch) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const Act act;
  const size_t total = channels * S;
  SIMDNORM_DASSERT(S >= N);  // a vector crosses at most one channel end
  const auto scale_of = [&k](size_t c) { return k.scale ? k.scale[c] : 1.0f; };
  size_t c = 0;
  size_t c_end = S;  // end of channel c
  auto vs = hn::Set(d, scale_of(0)), vp = hn::Set(d, k.scaled_pivot[0]),
       vm = hn::Set(d, k.mul[0]), va = hn::Set(d, k.add[0]);
  size_t i = 0;
  // Leading partial vector up to y's alignment (within channel 0: S >= N),
  // streaming or not: vector stores across two cache lines cost two.
  const size_t head = std::min(total, MisalignedHead(y, N));
  if (head != 0) {
    const auto v = LoadTail(d, x, head);
    StoreTail(NormalizeValue(d, act, v, vs, vp, vm, va), d, y, head);
    i = head;
  }
  for (;;) {
    for (; i + 4 * N <= c_end; i += 4 * N) {
      if (prefetch != nullptr) PrefetchStep(prefetch + i, 4 * N);
      const auto v0 = hn::LoadU(d, x + i), v1 = hn::LoadU(d, x + i + N),
                 v2 = hn::LoadU(d, x + i + 2 * N),
                 v3 = hn::LoadU(d, x + i + 3 * N);
      StoreOut<kStream>(NormalizeValue(d, act, v0, vs, vp, vm, va), d, y + i);
      StoreOut<kStream>(NormalizeValue(d, act, v1, vs, vp, vm, va), d,
                        y + i + N);
      StoreOut<kStream>(NormalizeValue(d, act, v2, vs, vp, vm, va), d,
                        y + i + 2 * N);
      StoreOut<kStream>(NormalizeValue(d, act, v3, vs, vp, vm, va), d,
                        y + i + 3 * N);
    }
    for (; i + N <= c_end; i += N) {
      StoreOut<kStream>(
          NormalizeValue(d, act, hn::LoadU(d, x + i), vs, vp, vm, va), d,
          y + i);
    }
    if (i == total) break;
    if (c + 1 == channels) {  // partial last vector of the last channel
      const size_t rest = total - i;
      const auto v = LoadTail(d, x + i, rest);
      StoreTail(NormalizeValue(d, act, v, vs, vp, vm, va), d, y + i, rest);
      break;
    }
    ++c;
    const auto ns = hn::Set(d, scale_of(c)), np = hn::Set(d, k.scaled_pivot[c]),
               nm = hn::Set(d, k.mul[c]), na = hn::Set(d, k.add[c]);
    if (i < c_end) {
      // Lanes [0, c_end - i) belong to the previous channel; the vector
      // is whole since the next channel has S >= N values.
      const auto first = hn::FirstN(d, c_end - i);
      const auto v = hn::LoadU(d, x + i);
      StoreOut<kStream>(
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
    c_end += S;
  }
}

template <class Act>
void ChannelsFirstT(const float* x, float* y, int64_t channels,
                    int64_t spatial, const ChannelCoefficients& k,
                    bool stream, const float* prefetch) {
  const size_t n = static_cast<size_t>(spatial);
  const size_t N = hn::Lanes(hn::ScalableTag<float>());
  if (channels <= 0 || spatial <= 0) return;
  if (!Act::kF64 && n >= N) {
    if (stream && FloatAligned(y)) {
      ChannelsFirstRun<Act, true>(x, y, static_cast<size_t>(channels), n, k,
                                  prefetch);
      // Non-temporal stores are weakly ordered: make them visible before
      // the caller signals completion to other threads.
      hwy::FlushStream();
    } else {
      ChannelsFirstRun<Act, false>(x, y, static_cast<size_t>(channels), n, k,
                                   prefetch);
    }
    return;
  }
  for (int64_t c = 0; c < channels; ++c) {
    const float* xc = x + c * spatial;
    float* yc = y + c * spatial;
    const float scale = k.scale ? k.scale[c] : 1.0f;
    if (!Act::kF64) {
      NormalizeSpan<Act>(xc, yc, n, scale, k.scaled_pivot[c], k.mul[c],
                         k.add[c]);
      continue;
    }
    for (size_t i = 0; i < n; i += kActivationBlock) {
      const size_t len = std::min(kActivationBlock, n - i);
      NormalizeSpan<ActNone>(xc + i, yc + i, len, scale, k.scaled_pivot[c],
                             k.mul[c], k.add[c]);
      ActivateF64InPlace<Act>(yc + i, len);
    }
  }
}

// ------------------------------------------------------------- channels last

// One row of channels: y[c] from x[c] with coefficient vectors.
template <class Act>
HWY_INLINE void NormalizeRow(const float* x, float* y, size_t channels,
                             const ChannelCoefficients& k) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const Act act;
  size_t c = 0;
  for (; c + N <= channels; c += N) {
    const auto v = hn::LoadU(d, x + c);
    const auto s = k.scale ? hn::LoadU(d, k.scale + c) : hn::Set(d, 1.0f);
    hn::StoreU(NormalizeValue(d, act, v, s, hn::LoadU(d, k.scaled_pivot + c),
                              hn::LoadU(d, k.mul + c), hn::LoadU(d, k.add + c)),
               d, y + c);
  }
  if (c < channels) {
    const size_t rest = channels - c;
    const auto v = LoadTail(d, x + c, rest);
    const auto s = k.scale ? LoadTail(d, k.scale + c, rest) : hn::Set(d, 1.0f);
    StoreTail(
        NormalizeValue(d, act, v, s, LoadTail(d, k.scaled_pivot + c, rest),
                       LoadTail(d, k.mul + c, rest),
                       LoadTail(d, k.add + c, rest)),
        d, y + c, rest);
  }
}

// Rows in order, each row's vectors in order, coefficients re-read from L1
// (a few KiB): x and y are walked sequentially, which the prefetchers
// follow, instead of column strips down the rows. Scale 1 (k.scale null)
// saves one coefficient load per vector. kStream: every row start of y is
// vector-aligned and rows are whole multiples of vectors (checked by the
// caller).
template <class Act, bool kUnitScale, bool kStream>
void ChannelsLastRows(const float* x, float* y, int64_t rows, int64_t stride,
                      size_t C, const ChannelCoefficients& k,
                      const float* prefetch) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const Act act;
  const float* HWY_RESTRICT ks = k.scale;
  const float* HWY_RESTRICT kp = k.scaled_pivot;
  const float* HWY_RESTRICT km = k.mul;
  const float* HWY_RESTRICT ka = k.add;
  // Streaming writes whole aligned vectors only (no partial lines).
  SIMDNORM_DASSERT(!kStream || (C % N == 0 && stride % N == 0 &&
                                reinterpret_cast<uintptr_t>(y) %
                                        (N * sizeof(float)) ==
                                    0));
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * stride;
    float* yr = y + r * stride;
    if (prefetch != nullptr) PrefetchStep(prefetch + r * stride, C);
    size_t c = 0;
    for (; c + 2 * N <= C; c += 2 * N) {
      const auto v0 = hn::LoadU(d, xr + c), v1 = hn::LoadU(d, xr + c + N);
      if (kUnitScale) {
        StoreOut<kStream>(
            NormalizeUnit(d, act, v0, hn::LoadU(d, kp + c),
                          hn::LoadU(d, km + c), hn::LoadU(d, ka + c)),
            d, yr + c);
        StoreOut<kStream>(
            NormalizeUnit(d, act, v1, hn::LoadU(d, kp + c + N),
                          hn::LoadU(d, km + c + N), hn::LoadU(d, ka + c + N)),
            d, yr + c + N);
      } else {
        StoreOut<kStream>(
            NormalizeValue(d, act, v0, hn::LoadU(d, ks + c),
                           hn::LoadU(d, kp + c), hn::LoadU(d, km + c),
                           hn::LoadU(d, ka + c)),
            d, yr + c);
        StoreOut<kStream>(
            NormalizeValue(d, act, v1, hn::LoadU(d, ks + c + N),
                           hn::LoadU(d, kp + c + N), hn::LoadU(d, km + c + N),
                           hn::LoadU(d, ka + c + N)),
            d, yr + c + N);
      }
    }
    for (; c + N <= C; c += N) {
      const auto v = hn::LoadU(d, xr + c);
      const auto s = kUnitScale ? hn::Set(d, 1.0f) : hn::LoadU(d, ks + c);
      StoreOut<kStream>(NormalizeValue(d, act, v, s, hn::LoadU(d, kp + c),
                                       hn::LoadU(d, km + c),
                                       hn::LoadU(d, ka + c)),
                        d, yr + c);
    }
    if (c < C) {
      const size_t rest = C - c;
      const auto v = LoadTail(d, xr + c, rest);
      const auto s =
          kUnitScale ? hn::Set(d, 1.0f) : LoadTail(d, ks + c, rest);
      StoreTail(NormalizeValue(d, act, v, s, LoadTail(d, kp + c, rest),
                               LoadTail(d, km + c, rest),
                               LoadTail(d, ka + c, rest)),
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
template <class Act, bool kUnitScale, bool kStream>
void ChannelsLastRun(const float* x, float* y, size_t total, size_t C,
                     const ChannelCoefficients& k, const float* prefetch) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  SIMDNORM_DASSERT(static_cast<size_t>(k.wrap) >= N);
  const Act act;
  const float* HWY_RESTRICT ks = k.scale;
  const float* HWY_RESTRICT kp = k.scaled_pivot;
  const float* HWY_RESTRICT km = k.mul;
  const float* HWY_RESTRICT ka = k.add;
  const auto at = [&](const float* HWY_RESTRICT xi, size_t phase) {
    const auto v = hn::LoadU(d, xi);
    if (kUnitScale) {
      return NormalizeUnit(d, act, v, hn::LoadU(d, kp + phase),
                           hn::LoadU(d, km + phase), hn::LoadU(d, ka + phase));
    }
    return NormalizeValue(d, act, v, hn::LoadU(d, ks + phase),
                          hn::LoadU(d, kp + phase), hn::LoadU(d, km + phase),
                          hn::LoadU(d, ka + phase));
  };
  const auto part = [&](size_t i, size_t phase, size_t count) {
    const auto v = LoadTail(d, x + i, count);
    const auto s = kUnitScale ? hn::Set(d, 1.0f) : LoadTail(d, ks + phase, count);
    StoreTail(NormalizeValue(d, act, v, s, LoadTail(d, kp + phase, count),
                             LoadTail(d, km + phase, count),
                             LoadTail(d, ka + phase, count)),
              d, y + i, count);
  };
  // phase = i mod C, kept by subtraction (C < N needs several).
  const auto advance = [C](size_t phase, size_t step) {
    phase += step;
    while (phase >= C) phase -= C;
    return phase;
  };
  size_t i = std::min(total, MisalignedHead(y, N));
  if (i != 0) part(0, 0, i);
  size_t phase = advance(0, i);
  for (; i + 4 * N <= total; i += 4 * N) {
    if (prefetch != nullptr) PrefetchStep(prefetch + i, 4 * N);
    const size_t p1 = advance(phase, N), p2 = advance(p1, N),
                 p3 = advance(p2, N);
    const auto v0 = at(x + i, phase), v1 = at(x + i + N, p1),
               v2 = at(x + i + 2 * N, p2), v3 = at(x + i + 3 * N, p3);
    StoreOut<kStream>(v0, d, y + i);
    StoreOut<kStream>(v1, d, y + i + N);
    StoreOut<kStream>(v2, d, y + i + 2 * N);
    StoreOut<kStream>(v3, d, y + i + 3 * N);
    phase = advance(p3, N);
  }
  for (; i + N <= total; i += N) {
    StoreOut<kStream>(at(x + i, phase), d, y + i);
    phase = advance(phase, N);
  }
  if (i < total) part(i, phase, total - i);
}

template <class Act, bool kStream>
void ChannelsLastScaleT(const float* x, float* y, int64_t rows,
                        int64_t stride, size_t C, const ChannelCoefficients& k,
                        const float* prefetch) {
  if (k.scale == nullptr) {
    return ChannelsLastRows<Act, true, kStream>(x, y, rows, stride, C, k,
                                                prefetch);
  }
  return ChannelsLastRows<Act, false, kStream>(x, y, rows, stride, C, k,
                                               prefetch);
}

template <class Act>
void ChannelsLastT(const float* x, float* y, int64_t rows, int64_t stride,
                   int64_t channels, const ChannelCoefficients& k,
                   bool stream, const float* prefetch) {
  const size_t C = static_cast<size_t>(channels);
  if (Act::kF64) {
    for (int64_t r = 0; r < rows; ++r) {
      NormalizeRow<ActNone>(x + r * stride, y + r * stride, C, k);
      ActivateF64InPlace<Act>(y + r * stride, C);
    }
    return;
  }
  const size_t N = hn::Lanes(hn::ScalableTag<float>());
  if (stride == channels && static_cast<size_t>(k.wrap) >= N &&
      FloatAligned(y)) {
    const size_t total = static_cast<size_t>(rows) * C;
    // Streaming writes whole lines except at the two ends of the run.
    if (stream) {
      if (k.scale == nullptr) {
        ChannelsLastRun<Act, true, true>(x, y, total, C, k, prefetch);
      } else {
        ChannelsLastRun<Act, false, true>(x, y, total, C, k, prefetch);
      }
      hwy::FlushStream();
      return;
    }
    if (k.scale == nullptr) {
      return ChannelsLastRun<Act, true, false>(x, y, total, C, k, prefetch);
    }
    return ChannelsLastRun<Act, false, false>(x, y, total, C, k, prefetch);
  }
  // Streaming only when the rows tile y exactly with aligned whole vectors:
  // every line of y is then written whole by non-temporal stores.
  if (stream && stride == channels && C % N == 0 && FloatAligned(y) &&
      MisalignedHead(y, N) == 0) {
    ChannelsLastScaleT<Act, true>(x, y, rows, stride, C, k, prefetch);
    hwy::FlushStream();
    return;
  }
  ChannelsLastScaleT<Act, false>(x, y, rows, stride, C, k, prefetch);
}

inline void NormalizeChannelsFirst(const float* x, float* y, int64_t channels,
                                   int64_t spatial,
                                   const ChannelCoefficients& k,
                                   simdnorm_activation act, bool stream,
                                   const float* prefetch) {
  switch (act) {
    case SIMDNORM_ACT_RELU:
      return ChannelsFirstT<ActRelu>(x, y, channels, spatial, k, stream,
                                       prefetch);
    case SIMDNORM_ACT_SILU:
      return ChannelsFirstT<ActSilu>(x, y, channels, spatial, k, stream,
                                       prefetch);
    case SIMDNORM_ACT_GELU_ERF:
      return ChannelsFirstT<ActGeluErf>(x, y, channels, spatial, k, stream,
                                       prefetch);
    case SIMDNORM_ACT_GELU_TANH:
      return ChannelsFirstT<ActGeluTanh>(x, y, channels, spatial, k, stream,
                                       prefetch);
    case SIMDNORM_ACT_NONE:
      break;
  }
  return ChannelsFirstT<ActNone>(x, y, channels, spatial, k, stream,
                                       prefetch);
}

inline void NormalizeChannelsLast(const float* x, float* y, int64_t rows,
                                  int64_t stride, int64_t channels,
                                  const ChannelCoefficients& k,
                                  simdnorm_activation act, bool stream,
                                  const float* prefetch) {
  switch (act) {
    case SIMDNORM_ACT_RELU:
      return ChannelsLastT<ActRelu>(x, y, rows, stride, channels, k, stream,
                                   prefetch);
    case SIMDNORM_ACT_SILU:
      return ChannelsLastT<ActSilu>(x, y, rows, stride, channels, k, stream,
                                   prefetch);
    case SIMDNORM_ACT_GELU_ERF:
      return ChannelsLastT<ActGeluErf>(x, y, rows, stride, channels, k, stream,
                                   prefetch);
    case SIMDNORM_ACT_GELU_TANH:
      return ChannelsLastT<ActGeluTanh>(x, y, rows, stride, channels, k, stream,
                                   prefetch);
    case SIMDNORM_ACT_NONE:
      break;
  }
  return ChannelsLastT<ActNone>(x, y, rows, stride, channels, k, stream,
                                   prefetch);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_CHANNEL_NORMALIZE_INL_H_
