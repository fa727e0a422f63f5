// Rows narrower than a vector (cols < Lanes: 7-wide features, per-head
// norms): one row per lane. A group of Lanes rows is transposed into a
// stack buffer of columns (lane r holds row r's value j), so a row's sums,
// pivot and statistics are plain lane-wise vector operations and no lane is
// wasted on padding. Contiguous groups are transposed by lane permutations
// and normalized straight from x with the statistics permuted to each
// lane's row; others by scalar copies within L1 both ways (never gathers
// and scatters: slow on many x86 cores, slower still under the gather data
// sampling mitigation). Per lane the arithmetic is that of the whole-row
// kernel (median-of-3 pivot, fp32 sums, statistics in double, the same
// normalize form), except that a row's fp32 sums are added in column
// order; the result of a row depends only on its values, never on the
// group or slice it is in.
// Rows whose statistics need the rescaling path end the call as in
// RowsNormalize: the caller runs that row and calls again after it.
// Lanes >= 2 (SCALAR never takes this path). In place (y == x) is fine: a
// group is read whole before any of it is written.

#if defined(SIMDNORM_KERNELS_NARROW_ROWS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SIMDNORM_KERNELS_NARROW_ROWS_INL_H_
#undef SIMDNORM_KERNELS_NARROW_ROWS_INL_H_
#else
#define SIMDNORM_KERNELS_NARROW_ROWS_INL_H_
#endif

#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>

#include "common/contract.h"
#include "common/moments.h"
#include "common/unit_stats.h"
#include "hwy/highway.h"
#include "kernels/group_stats-inl.h"
#include "kernels/moments-inl.h"
#include "kernels/row_kernels.h"
#include "kernels/storage-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm::internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Whether rows of batch b take the narrow-row path on this target.
HWY_INLINE bool NarrowRowsFit(const RowBatch& b) {
  const int64_t N = static_cast<int64_t>(hn::Lanes(hn::ScalableTag<float>()));
  return N > 1 && b.cols < N;
}

// Contiguous rows (x and y strides == cols, up to kMaxCols of them) of a
// whole group are `cols` whole vectors in memory. The transpose into
// columns is then lane permutations of those vectors instead of scalar
// copies: column j's lane r is value r * cols + j, i.e. lane
// (r * cols + j) % N of vector (r * cols + j) / N; the lane index does not
// depend on the vector, so one permutation per column serves every source
// vector, each merged under its own mask. The way out needs no transpose:
// lane e of y's vector v is row (v * N + e) / cols, column
// (v * N + e) % cols, so that vector is normalized from x's with the row's
// statistics permuted into place and gamma and beta laid out per lane.
// The tables are built once per call. Fixed-width targets of at most 16
// lanes only.
template <class D>
struct NarrowPermutes {
  // (Tables sized for 16 lanes at most: scalable targets never use them.)
  static constexpr size_t kMaxLanes = HWY_MIN(hn::MaxLanes(D()), 16);
  // Rows narrower than a vector, and at most 8 (at least 1 so that the
  // one-lane target, which never takes this path, still compiles).
  static constexpr int64_t kMaxCols =
      HWY_MAX(1, HWY_MIN(8, static_cast<int64_t>(kMaxLanes) - 1));
  // Masks: -1 (all bits) takes the lane, 0 keeps what the lane holds.
  HWY_ALIGN int32_t gather_index[kMaxCols][kMaxLanes];  // [column]
  HWY_ALIGN int32_t gather_take[kMaxCols][kMaxCols][kMaxLanes];  // [col][vec]
  // Per vector of y: each lane's row within the group, gamma and beta.
  HWY_ALIGN int32_t row_of_lane[kMaxCols][kMaxLanes];
  HWY_ALIGN float gamma_of_lane[kMaxCols][kMaxLanes];
  HWY_ALIGN float beta_of_lane[kMaxCols][kMaxLanes];

  // gamma, beta: as in RowBatch (null: absent, never read).
  NarrowPermutes(int64_t cols, const float* gamma, const float* beta) {
    const int64_t N = static_cast<int64_t>(kMaxLanes);
    for (int64_t j = 0; j < cols; ++j) {
      for (int64_t r = 0; r < N; ++r) {
        const int64_t value = r * cols + j;  // column j, lane r
        gather_index[j][r] = static_cast<int32_t>(value % N);
        for (int64_t v = 0; v < cols; ++v) {
          gather_take[j][v][r] = value / N == v ? -1 : 0;
        }
      }
    }
    for (int64_t v = 0; v < cols; ++v) {
      for (int64_t e = 0; e < N; ++e) {
        const int64_t value = v * N + e;  // y's vector v, lane e
        row_of_lane[v][e] = static_cast<int32_t>(value / cols);
        gamma_of_lane[v][e] = gamma ? gamma[value % cols] : 1.0f;
        beta_of_lane[v][e] = beta ? beta[value % cols] : 0.0f;
      }
    }
  }

  // The `cols` vectors at `from` as columns into `to` (cols * N floats).
  template <class S>
  HWY_INLINE void Gather(D d, const typename S::T* HWY_RESTRICT from,
                         int64_t cols, float* HWY_RESTRICT to) const {
    WithCols(cols, [&](auto k) HWY_ATTR { GatherT<S, k()>(d, from, to); });
  }

  // y's `cols` vectors from x's (which y may be): lane for lane the
  // normalize of the columns, row r's pivot, shift and inv_std taken from
  // lane r of those vectors.
  template <class S, bool kGamma, bool kBeta, class V>
  HWY_INLINE void Normalize(D d, const typename S::T* x, V pivot, V shift,
                            V inv_std, int64_t cols,
                            typename S::T* y) const {
    const hn::RebindToSigned<D> di;
    const int64_t N = static_cast<int64_t>(kMaxLanes);
    for (int64_t v = 0; v < cols; ++v) {
      const auto row = hn::IndicesFromVec(d, hn::Load(di, row_of_lane[v]));
      auto out = hn::Mul(
          hn::Sub(hn::Sub(LoadF32<S>(d, x + v * N),
                          hn::TableLookupLanes(pivot, row)),
                  hn::TableLookupLanes(shift, row)),
          hn::TableLookupLanes(inv_std, row));
      if (kGamma && kBeta) {
        out = hn::MulAdd(out, hn::Load(d, gamma_of_lane[v]),
                         hn::Load(d, beta_of_lane[v]));
      } else if (kGamma) {
        out = hn::Mul(out, hn::Load(d, gamma_of_lane[v]));
      } else if (kBeta) {
        out = hn::Add(out, hn::Load(d, beta_of_lane[v]));
      }
      StoreF32<S>(out, d, y + v * N);
    }
  }

 private:
  // body(integral constant of cols), cols in [1, kMaxCols]: loops of a
  // known count unroll fully.
  template <int64_t kCols = 1, class Body>
  static HWY_INLINE void WithCols(int64_t cols, const Body& body) {
    if constexpr (kCols < kMaxCols) {
      if (cols != kCols) return WithCols<kCols + 1>(cols, body);
    }
    body(std::integral_constant<int64_t, kCols>());
  }

  template <class S, int64_t kCols>
  HWY_INLINE void GatherT(D d, const typename S::T* HWY_RESTRICT from,
                          float* HWY_RESTRICT to) const {
    const hn::RebindToSigned<D> di;
    const int64_t N = static_cast<int64_t>(kMaxLanes);
    for (int64_t j = 0; j < kCols; ++j) {
      const auto index = hn::IndicesFromVec(d, hn::Load(di, gather_index[j]));
      auto column = hn::Zero(d);
      for (int64_t v = 0; v < kCols; ++v) {
        column = hn::IfThenElse(
            hn::MaskFromVec(hn::BitCast(d, hn::Load(di, gather_take[j][v]))),
            hn::TableLookupLanes(LoadF32<S>(d, from + v * N), index), column);
      }
      hn::Store(column, d, to + j * N);
    }
  }
};

// Whether NarrowPermutes serves batch b on this target.
template <class D>
HWY_INLINE bool NarrowPermutable(D, const RowBatch& b) {
#if HWY_HAVE_SCALABLE
  (void)b;
  return false;
#else
  return hn::MaxLanes(D()) <= 16 && b.cols <= NarrowPermutes<D>::kMaxCols &&
         b.x_stride == b.cols && b.y_stride == b.cols;
#endif
}

// The first `rows` lanes of v to out[0, rows) (out may be null: absent).
template <class D, class V>
HWY_INLINE void StoreRowLanes(D d, V v, int64_t rows, float* out) {
  if (out == nullptr) return;
  if (rows == static_cast<int64_t>(hn::Lanes(d))) return hn::StoreU(v, d, out);
  HWY_ALIGN float lanes[hn::MaxLanes(d)];
  hn::Store(v, d, lanes);
  for (int64_t r = 0; r < rows; ++r) out[r] = lanes[r];
}

template <class S, bool kCentered, bool kGamma, bool kBeta>
int64_t NarrowRowsT(const RowBatch& batch, int64_t begin, int64_t end) {
  using T = typename S::T;
  const RowBatch b = batch;
  const hn::ScalableTag<float> d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  SIMDNORM_DASSERT(N > 1 && b.cols < N);
  const int64_t cols = b.cols;
  constexpr size_t kMaxLanes = hn::MaxLanes(d);
  HWY_ALIGN float columns[kMaxLanes * kMaxLanes];  // column j at j * N
  const bool permuted = NarrowPermutable(d, b);
  std::optional<NarrowPermutes<decltype(d)>> permutes;  // built if used
  if (permuted) permutes.emplace(cols, b.gamma, b.beta);
  for (int64_t r0 = begin; r0 < end; r0 += N) {
    const int64_t rows = HWY_MIN(N, end - r0);
    // Every column gathered once, before anything is written (y may be x).
    const T* x = static_cast<const T*>(b.x) + r0 * b.x_stride;
    const bool whole = permuted && rows == N;
    if (whole) {
      permutes->template Gather<S>(d, x, cols, columns);
    } else {
      // Scalar copies: hardware gathers are slow on many x86 cores (and
      // slower still under the gather data sampling mitigation).
      for (int64_t r = 0; r < N; ++r) {
        // Lanes past the last row read the last row again (same values);
        // they are computed but never stored.
        const T* row = x + HWY_MIN(r, rows - 1) * b.x_stride;
        for (int64_t j = 0; j < cols; ++j) {
          columns[j * N + r] = ToF32<S>(row[j]);
        }
      }
    }
    const auto column = [&](int64_t j) HWY_ATTR {
      return hn::Load(d, columns + j * N);
    };
    auto p = hn::Zero(d);
    if (kCentered) {  // MedianOf3 lane-wise: max(min(a, b), min(max(a, b), c))
      const auto a = column(0), m = column(cols / 2), c = column(cols - 1);
      p = hn::Max(hn::Min(a, m), hn::Min(hn::Max(a, m), c));
    }
    auto s1 = hn::Zero(d), s2 = hn::Zero(d);
    for (int64_t j = 0; j < cols; ++j) {
      const auto v = hn::Sub(column(j), p);
      s1 = hn::Add(s1, v);
      s2 = hn::MulAdd(v, v, s2);
    }
    int64_t good = rows;  // rows before the first one needing a rescale
    auto vm = hn::Zero(d), vi = hn::Zero(d);  // shifted mean, inv_std
    bool finished = false;  // stats of all rows done, none needs a rescale
#if HWY_HAVE_FLOAT64
    {
      auto mean = vm, rstd = vm;
      finished = LaneStats<kCentered>(d, p, s1, s2, static_cast<double>(cols),
                                      b.eps, vm, vi, mean, rstd);
      if (finished) {
        StoreRowLanes(d, mean, rows, b.mean ? b.mean + r0 : nullptr);
        StoreRowLanes(d, rstd, rows, b.rstd ? b.rstd + r0 : nullptr);
      }
    }
#endif
    if (!finished) {
      HWY_ALIGN float pivot[kMaxLanes], shift[kMaxLanes], inv_std[kMaxLanes];
      HWY_ALIGN float s1_lanes[kMaxLanes], s2_lanes[kMaxLanes];
      hn::Store(p, d, pivot);
      hn::Store(s1, d, s1_lanes);
      hn::Store(s2, d, s2_lanes);
      for (int64_t r = 0; r < N; ++r) shift[r] = inv_std[r] = 0.0f;
      for (int64_t r = 0; r < rows; ++r) {
        const Moments m = BlockMoments<kCentered>(static_cast<double>(cols),
                                                  s1_lanes[r], s2_lanes[r]);
        if (RetryScale(m, pivot[r], b.eps) != 1.0f) {
          good = r;
          break;
        }
        const UnitStats st = FinishStats(m, pivot[r], 1.0f, b.eps, kCentered);
        shift[r] = st.shifted_mean;
        inv_std[r] = st.inv_std;
        if (b.mean) b.mean[r0 + r] = static_cast<float>(st.mean);
        if (b.rstd) b.rstd[r0 + r] = static_cast<float>(st.rstd);
      }
      vm = hn::Load(d, shift);
      vi = hn::Load(d, inv_std);
    }
    T* y = static_cast<T*>(b.y) + r0 * b.y_stride;
    if (whole && good == rows) {
      permutes->template Normalize<S, kGamma, kBeta>(d, x, p, vm, vi, cols, y);
      continue;
    }
    // Else through the columns, then row by row with scalar stores: no
    // lane past `good` writes (a row left to the caller may be x itself),
    // and no scatter (slow, as gathers).
    HWY_ALIGN T stored[kMaxLanes * kMaxLanes];
    for (int64_t j = 0; j < cols; ++j) {
      auto v = hn::Mul(hn::Sub(hn::Sub(column(j), p), vm), vi);
      if (kGamma && kBeta) {
        v = hn::MulAdd(v, hn::Set(d, b.gamma[j]), hn::Set(d, b.beta[j]));
      } else if (kGamma) {
        v = hn::Mul(v, hn::Set(d, b.gamma[j]));
      } else if (kBeta) {
        v = hn::Add(v, hn::Set(d, b.beta[j]));
      }
      StoreF32<S>(v, d, stored + j * N);
    }
    for (int64_t r = 0; r < good; ++r) {
      T* row = y + r * b.y_stride;
      for (int64_t j = 0; j < cols; ++j) row[j] = stored[j * N + r];
    }
    if (good < rows) return r0 + good;
  }
  return end;
}

template <class S, bool kCentered>
int64_t NarrowRowsAffine(const RowBatch& b, int64_t begin, int64_t end) {
  if (b.gamma != nullptr) {
    return b.beta != nullptr
               ? NarrowRowsT<S, kCentered, true, true>(b, begin, end)
               : NarrowRowsT<S, kCentered, true, false>(b, begin, end);
  }
  return b.beta != nullptr
             ? NarrowRowsT<S, kCentered, false, true>(b, begin, end)
             : NarrowRowsT<S, kCentered, false, false>(b, begin, end);
}

template <class S>
int64_t NarrowRows(const RowBatch& b, int64_t begin, int64_t end) {
  return b.centered ? NarrowRowsAffine<S, true>(b, begin, end)
                    : NarrowRowsAffine<S, false>(b, begin, end);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_NARROW_ROWS_INL_H_
