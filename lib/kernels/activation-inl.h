// Activation epilogues fused into the channel normalize kernels.
//
// Contract: accurate over the whole fp32 range (finite inputs never give
// NaN; NaN stays NaN). ReLU is exact. SiLU runs in fp32 lanes, within 2.5
// ulp (Highway's 1-ulp Exp plus two or three roundings). Both GELUs run in
// fp64 lanes from the fp32 value and round once at the end (within 1 ulp):
// in fp32 the argument rounding of the erf/tanh term alone would cost
// dozens of ulp in the negative tail, where the result is x times a tiny
// number.
// Lanes: any count, SCALAR included.

#if defined(SIMDNORM_KERNELS_ACTIVATION_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SIMDNORM_KERNELS_ACTIVATION_INL_H_
#undef SIMDNORM_KERNELS_ACTIVATION_INL_H_
#else
#define SIMDNORM_KERNELS_ACTIVATION_INL_H_
#endif

#include <cmath>
#include <cstddef>
#include <cstring>

#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"
#include "kernels/storage-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm::internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Fp32 activations, applied to a vector in registers.
struct ActNone {
  static constexpr bool kF64 = false;
  template <class D>
  HWY_INLINE hn::Vec<D> operator()(D, hn::Vec<D> v) const {
    return v;
  }
};

struct ActRelu {
  static constexpr bool kF64 = false;
  template <class D>
  HWY_INLINE hn::Vec<D> operator()(D d, hn::Vec<D> v) const {
    // Not Max(v, 0): x86 max returns 0 for a NaN v, and NaN must survive.
    return hn::IfThenZeroElse(hn::Lt(v, hn::Zero(d)), v);
  }
};

// silu(x) = x / (1 + e^-x), evaluated as
//   x >= -64:  x / (1 + e^-x)   (e^-x <= e^64: no overflow)
//   x < -64:   (x * t) * t, t = e^(x / 2): 1 + e^-x would overflow, and
//              e^x itself would be subnormal (imprecise) before the
//              product with x.
struct ActSilu {
  static constexpr bool kF64 = false;
  template <class D>
  HWY_INLINE hn::Vec<D> operator()(D d, hn::Vec<D> v) const {
    const auto far = hn::Lt(v, hn::Set(d, -64.0f));
    auto arg = hn::IfThenElse(far, hn::Mul(v, hn::Set(d, 0.5f)), hn::Neg(v));
    // Exp gives 0 below -104; the clamps keep its int conversion in range.
    arg = hn::Min(hn::Max(arg, hn::Set(d, -120.0f)), hn::Set(d, 64.0f));
    const auto t = hn::Exp(d, arg);
    const auto near = hn::Div(v, hn::Add(hn::Set(d, 1.0f), t));
    return hn::IfThenElse(far, hn::Mul(hn::Mul(v, t), t), near);
  }
};

// Fp64 activations, applied to fp64 lanes promoted from fp32.

// Phi(x), the standard normal CDF. |x| <= 1: 0.5 + x * P(x^2); |x| > 1:
// the upper tail Q(|x|) = e^(-x^2 / 2) * M(1 / |x|), where M (the Mills
// ratio times 1/sqrt(2 pi)) is a degree-20 Chebyshev fit in 1/|x| over
// |x| in [1, 41] (relative error 2e-11; beyond 41, Q underflows to 0).
// x^2 of an fp32 x is exact in fp64, so e^(-x^2/2) is as good as Exp.
template <class D>
HWY_INLINE hn::Vec<D> NormalCdf(D d, hn::Vec<D> x) {
  static constexpr double kSmall[] = {
      -9.0261099045655837152e-11, 2.2270765391721187317e-9,
      -4.1173089319651835544e-8,  6.6593169040810418694e-7,
      -9.4446398086767737887e-6,  0.00011543468323083615417,
      -0.0011873282148079404685,  0.0099735570099833825727,
      -0.066490380066903859096,   0.39894228040143267001};
  static constexpr double kTail[] = {
      -0.00000642696245333838760028, 0.00000844356916473208555054,
      0.0000253702642372390380193,   -0.0000404588066496170425391,
      -0.0000242611090312529623818,  0.000051381103599490282118,
      0.0000115802966013609371482,   -0.0000131400416780637593486,
      -0.000065992500099243593044,   0.000102623491452863608024,
      -0.0000791866703235337979688,  -2.63132750921700363173e-9,
      0.000230173064975310235705,    -0.000725206339038309809292,
      0.0014790613919407996355,      -0.0020438656728502468573,
      0.000627264882357173709129,    0.0080702858440478877774,
      -0.0376847766753685161598,     0.120516824702206509297,
      0.171138600660905695288};
  const auto one = hn::Set(d, 1.0);
  const auto x2 = hn::Mul(x, x);
  auto small = hn::Set(d, kSmall[0]);
  for (size_t i = 1; i < sizeof(kSmall) / sizeof(kSmall[0]); ++i) {
    small = hn::MulAdd(small, x2, hn::Set(d, kSmall[i]));
  }
  small = hn::MulAdd(x, small, hn::Set(d, 0.5));

  const auto abs = hn::Abs(x);
  // s in [-1, 1] over 1/|x| in [1/41, 1]; clamped outside (Q is 0 there, or
  // the small branch is taken).
  const auto inv = hn::Div(one, hn::Max(abs, one));
  auto s = hn::Mul(hn::Sub(inv, hn::Set(d, 0.5121951219512195122)),
                   hn::Set(d, 1.0 / 0.4878048780487804878));
  s = hn::Max(s, hn::Set(d, -1.0));
  auto mills = hn::Set(d, kTail[0]);
  for (size_t i = 1; i < sizeof(kTail) / sizeof(kTail[0]); ++i) {
    mills = hn::MulAdd(mills, s, hn::Set(d, kTail[i]));
  }
  const auto half_x2 = hn::Max(hn::Mul(x2, hn::Set(d, -0.5)),
                               hn::Set(d, -1000.0));  // e^-1000 is 0 anyway
  const auto upper = hn::Mul(hn::Exp(d, half_x2), mills);
  const auto tail = hn::IfThenElse(hn::Lt(x, hn::Zero(d)), upper,
                                   hn::Sub(one, upper));
  return hn::IfThenElse(hn::Le(abs, one), small, tail);
}

struct ActGeluErf {
  static constexpr bool kF64 = true;
  template <class D>
  HWY_INLINE hn::Vec<D> operator()(D d, hn::Vec<D> x) const {
    return hn::Mul(x, NormalCdf(d, x));
  }
};

// 0.5 x (1 + tanh(u)) = x * sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3):
// no cancellation of 1 + tanh for negative x.
struct ActGeluTanh {
  static constexpr bool kF64 = true;
  template <class D>
  HWY_INLINE hn::Vec<D> operator()(D d, hn::Vec<D> x) const {
    const auto one = hn::Set(d, 1.0);
    const auto w = hn::Mul(
        hn::Mul(x, hn::MulAdd(hn::Mul(x, x), hn::Set(d, 0.044715), one)),
        hn::Set(d, 2.0 * 0.79788456080286535588));
    // e^-|w| in (0, 1]; clamped so Exp's int conversion stays in range.
    const auto e = hn::Exp(d, hn::Max(hn::Neg(hn::Abs(w)), hn::Set(d, -1000.0)));
    const auto denom = hn::Add(one, e);
    const auto sigmoid = hn::IfThenElse(hn::Lt(w, hn::Zero(d)),
                                        hn::Div(e, denom), hn::Div(one, denom));
    return hn::Mul(x, sigmoid);
  }
};

// y[0, n) = act(src[0, n)) in fp64, rounded once to storage S (src: fp32
// values; y may be src when S is fp32). Tail: through a stack buffer, so
// nothing outside [y, y + n) is touched.
template <class Act, class S>
HWY_INLINE void ActivateF64(const float* src, typename S::T* y, size_t n) {
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;
  const size_t N = hn::Lanes(dd);
  const Act act;
  size_t i = 0;
  const auto inf = hn::Set(df, HUGE_VALF);
  // act(+inf) is +inf, but some targets' DemoteTo clamps it to FLT_MAX.
  const auto apply = [&](hn::Vec<decltype(df)> v) HWY_ATTR {
    const auto r = hn::DemoteTo(df, act(dd, hn::PromoteTo(dd, v)));
    return hn::IfThenElse(hn::Eq(v, inf), v, r);
  };
  for (; i + N <= n; i += N) {
    StoreF32<S>(apply(hn::LoadU(df, src + i)), df, y + i);
  }
  if (i < n) {
    HWY_ALIGN float buffer[hn::MaxLanes(dd)] = {};
    std::memcpy(buffer, src + i, (n - i) * sizeof(float));
    StoreF32Tail<S>(apply(hn::Load(df, buffer)), df, y + i, n - i);
  }
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_ACTIVATION_INL_H_
