// Normalize passes of GroupNorm, InstanceNorm and BatchNorm, with the
// activation fused: y = act((x * scale - scaled_pivot) * mul + add), one
// FMA-form subtract and one FMA per element with per-channel coefficients.
// With scale 1 the first step is an exact-rounded x - pivot, so data with
// a large offset keeps its accuracy and a constant group gives exactly add
// (= beta).
//
// In place (y == x) is fine: each vector is read before it is written.
// Tails: partial last vector, masked; nothing outside the spans is touched.
// fp64 activations (GELU) run over blocks of y just written (still in L1).
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

#include "hwy/highway.h"
#include "kernels/activation-inl.h"
#include "kernels/channel_kernels.h"
#include "kernels/tail-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm {
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
    hn::StoreU(NormalizeValue(d, act, v, hn::LoadU(d, k.scale + c),
                              hn::LoadU(d, k.scaled_pivot + c),
                              hn::LoadU(d, k.mul + c), hn::LoadU(d, k.add + c)),
               d, y + c);
  }
  if (c < channels) {
    const size_t rest = channels - c;
    const auto v = LoadTail(d, x + c, rest);
    StoreTail(NormalizeValue(d, act, v, LoadTail(d, k.scale + c, rest),
                             LoadTail(d, k.scaled_pivot + c, rest),
                             LoadTail(d, k.mul + c, rest),
                             LoadTail(d, k.add + c, rest)),
              d, y + c, rest);
  }
}

template <class Act>
void ChannelsFirstT(const float* x, float* y, int64_t channels,
                    int64_t spatial, const ChannelCoefficients& k) {
  const size_t n = static_cast<size_t>(spatial);
  for (int64_t c = 0; c < channels; ++c) {
    const float* xc = x + c * spatial;
    float* yc = y + c * spatial;
    if (!Act::kF64) {
      NormalizeSpan<Act>(xc, yc, n, k.scale[c], k.scaled_pivot[c], k.mul[c],
                         k.add[c]);
      continue;
    }
    for (size_t i = 0; i < n; i += kActivationBlock) {
      const size_t len = std::min(kActivationBlock, n - i);
      NormalizeSpan<ActNone>(xc + i, yc + i, len, k.scale[c],
                             k.scaled_pivot[c], k.mul[c], k.add[c]);
      ActivateF64InPlace<Act>(yc + i, len);
    }
  }
}

// Rows per block of the channels-last pass: its coefficients stay in
// registers down a block of rows, and the block stays in L1/L2 while the
// column vectors sweep it.
constexpr int64_t kChannelsLastRows = 32;

template <class Act>
void ChannelsLastBlock(const float* x, float* y, int64_t rows, int64_t stride,
                       size_t channels, const ChannelCoefficients& k) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const Act act;
  size_t c = 0;
  for (; c + 2 * N <= channels; c += 2 * N) {
    const auto s0 = hn::LoadU(d, k.scale + c), s1 = hn::LoadU(d, k.scale + c + N);
    const auto p0 = hn::LoadU(d, k.scaled_pivot + c),
               p1 = hn::LoadU(d, k.scaled_pivot + c + N);
    const auto m0 = hn::LoadU(d, k.mul + c), m1 = hn::LoadU(d, k.mul + c + N);
    const auto a0 = hn::LoadU(d, k.add + c), a1 = hn::LoadU(d, k.add + c + N);
    for (int64_t r = 0; r < rows; ++r) {
      const float* xr = x + r * stride + c;
      float* yr = y + r * stride + c;
      const auto v0 = hn::LoadU(d, xr), v1 = hn::LoadU(d, xr + N);
      hn::StoreU(NormalizeValue(d, act, v0, s0, p0, m0, a0), d, yr);
      hn::StoreU(NormalizeValue(d, act, v1, s1, p1, m1, a1), d, yr + N);
    }
  }
  for (; c + N <= channels; c += N) {
    const auto s0 = hn::LoadU(d, k.scale + c);
    const auto p0 = hn::LoadU(d, k.scaled_pivot + c);
    const auto m0 = hn::LoadU(d, k.mul + c), a0 = hn::LoadU(d, k.add + c);
    for (int64_t r = 0; r < rows; ++r) {
      const auto v = hn::LoadU(d, x + r * stride + c);
      hn::StoreU(NormalizeValue(d, act, v, s0, p0, m0, a0), d,
                 y + r * stride + c);
    }
  }
  if (c < channels) {
    const size_t rest = channels - c;
    const auto s0 = LoadTail(d, k.scale + c, rest);
    const auto p0 = LoadTail(d, k.scaled_pivot + c, rest);
    const auto m0 = LoadTail(d, k.mul + c, rest);
    const auto a0 = LoadTail(d, k.add + c, rest);
    for (int64_t r = 0; r < rows; ++r) {
      const auto v = LoadTail(d, x + r * stride + c, rest);
      StoreTail(NormalizeValue(d, act, v, s0, p0, m0, a0), d,
                y + r * stride + c, rest);
    }
  }
}

template <class Act>
void ChannelsLastT(const float* x, float* y, int64_t rows, int64_t stride,
                   int64_t channels, const ChannelCoefficients& k) {
  const size_t C = static_cast<size_t>(channels);
  if (Act::kF64) {
    for (int64_t r = 0; r < rows; ++r) {
      NormalizeRow<ActNone>(x + r * stride, y + r * stride, C, k);
      ActivateF64InPlace<Act>(y + r * stride, C);
    }
    return;
  }
  for (int64_t r = 0; r < rows; r += kChannelsLastRows) {
    ChannelsLastBlock<Act>(x + r * stride, y + r * stride,
                           std::min(kChannelsLastRows, rows - r), stride, C,
                           k);
  }
}

inline void NormalizeChannelsFirst(const float* x, float* y, int64_t channels,
                                   int64_t spatial,
                                   const ChannelCoefficients& k,
                                   simdnorm_activation act) {
  switch (act) {
    case SIMDNORM_ACT_RELU:
      return ChannelsFirstT<ActRelu>(x, y, channels, spatial, k);
    case SIMDNORM_ACT_SILU:
      return ChannelsFirstT<ActSilu>(x, y, channels, spatial, k);
    case SIMDNORM_ACT_GELU_ERF:
      return ChannelsFirstT<ActGeluErf>(x, y, channels, spatial, k);
    case SIMDNORM_ACT_GELU_TANH:
      return ChannelsFirstT<ActGeluTanh>(x, y, channels, spatial, k);
    case SIMDNORM_ACT_NONE:
      break;
  }
  return ChannelsFirstT<ActNone>(x, y, channels, spatial, k);
}

inline void NormalizeChannelsLast(const float* x, float* y, int64_t rows,
                                  int64_t stride, int64_t channels,
                                  const ChannelCoefficients& k,
                                  simdnorm_activation act) {
  switch (act) {
    case SIMDNORM_ACT_RELU:
      return ChannelsLastT<ActRelu>(x, y, rows, stride, channels, k);
    case SIMDNORM_ACT_SILU:
      return ChannelsLastT<ActSilu>(x, y, rows, stride, channels, k);
    case SIMDNORM_ACT_GELU_ERF:
      return ChannelsLastT<ActGeluErf>(x, y, rows, stride, channels, k);
    case SIMDNORM_ACT_GELU_TANH:
      return ChannelsLastT<ActGeluTanh>(x, y, rows, stride, channels, k);
    case SIMDNORM_ACT_NONE:
      break;
  }
  return ChannelsLastT<ActNone>(x, y, rows, stride, channels, k);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_CHANNEL_NORMALIZE_INL_H_
