// Normalize pass of the row norms: one read of x (and residual), one write
// of y. y = ((x + r) * scale - scaled_pivot - shifted_mean) * inv_std
//        * gamma + beta.
// Subtracting the pivot first keeps x - pivot exact near the pivot (large
// offsets stay accurate); scale is 1 except for huge or tiny data. In place
// (y == x or y == residual) is fine: each vector is read before it is
// written. Tail: partial last vector, masked.
// Stores go to an aligned destination after a masked peel (rows of 8 or
// more vectors). With affine.stream, y is written with non-temporal
// stores: for outputs far larger than the LLC this skips the
// read-for-ownership of y. Values are the same either way.

#if defined(SIMDNORM_KERNELS_ROW_NORMALIZE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SIMDNORM_KERNELS_ROW_NORMALIZE_INL_H_
#undef SIMDNORM_KERNELS_ROW_NORMALIZE_INL_H_
#else
#define SIMDNORM_KERNELS_ROW_NORMALIZE_INL_H_
#endif

#include <array>
#include <cstdint>
#include <optional>
#include <utility>

#include "common/alignment.h"
#include "common/contract.h"
#include "common/moments.h"
#include "common/unit_stats.h"
#include "hwy/cache_control.h"
#include "hwy/highway.h"
#include "kernels/group_stats-inl.h"
#include "kernels/moments-inl.h"
#include "kernels/narrow_rows-inl.h"
#include "kernels/quantize-inl.h"
#include "kernels/row_kernels.h"
#include "kernels/storage-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdnorm::internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The per-call constants (scale, pivot, mean, inv_std) travel as separate
// vector arguments: SVE vectors cannot be struct members.
// v already includes the residual. g/b: gamma/beta (ignored when absent).
// kShifted = false: scale 1, pivot and mean +0 (RMSNorm's whole rows),
// where the shift is exactly v (see ScaleShift).
template <bool kGamma, bool kBeta, bool kShifted, class V>
HWY_INLINE V NormalizeValues(V v, V g, V b, V scale, V pivot, V mean,
                             V inv_std) {
  if (kShifted) v = hn::Sub(hn::MulSub(v, scale, pivot), mean);
  v = hn::Mul(v, inv_std);
  if (kGamma && kBeta) return hn::MulAdd(v, g, b);
  if (kGamma) return hn::Mul(v, g);
  if (kBeta) return hn::Add(v, b);
  return v;
}

// With kSumOut, x + residual is stored to sum_out[i, ...) as well.
template <class S, bool kResidual, bool kSumOut, bool kGamma, bool kBeta,
          bool kShifted, class D, typename T = typename S::T>
HWY_INLINE hn::Vec<D> NormalizeAt(D d, const T* HWY_RESTRICT x,
                                  const T* HWY_RESTRICT residual,
                                  T* HWY_RESTRICT sum_out,
                                  const float* HWY_RESTRICT gamma,
                                  const float* HWY_RESTRICT beta, size_t i,
                                  hn::Vec<D> scale, hn::Vec<D> pivot,
                                  hn::Vec<D> mean, hn::Vec<D> inv_std) {
  auto v = LoadF32<S>(d, x + i);
  if (kResidual) {
    v = hn::Add(v, LoadF32<S>(d, residual + i));
    if (kSumOut) StoreF32<S>(v, d, sum_out + i);
  }
  const auto g = kGamma ? hn::LoadU(d, gamma + i) : hn::Zero(d);
  const auto b = kBeta ? hn::LoadU(d, beta + i) : hn::Zero(d);
  return NormalizeValues<kGamma, kBeta, kShifted>(v, g, b, scale, pivot, mean,
                                                  inv_std);
}

// Values [i, i + count), count < Lanes: masked loads and store. y is of
// storage type O (S, or fp32 for a caller that converts it further).
template <class S, class O, bool kResidual, bool kSumOut, bool kGamma,
          bool kBeta, bool kShifted, class D, typename T = typename S::T,
          typename TO = typename O::T>
HWY_INLINE void NormalizePart(D d, const T* HWY_RESTRICT x,
                              const T* HWY_RESTRICT residual, T* sum_out,
                              const float* HWY_RESTRICT gamma,
                              const float* HWY_RESTRICT beta, TO* y, size_t i,
                              size_t count, hn::Vec<D> scale, hn::Vec<D> pivot,
                              hn::Vec<D> mean, hn::Vec<D> inv_std) {
  auto v = LoadF32Tail<S>(d, x + i, count);
  if (kResidual) {
    v = hn::Add(v, LoadF32Tail<S>(d, residual + i, count));
    if (kSumOut) StoreF32Tail<S>(v, d, sum_out + i, count);
  }
  const auto g = kGamma ? LoadTail(d, gamma + i, count) : hn::Zero(d);
  const auto b = kBeta ? LoadTail(d, beta + i, count) : hn::Zero(d);
  StoreF32Tail<O>(
      NormalizeValues<kGamma, kBeta, kShifted>(v, g, b, scale, pivot, mean,
                                               inv_std),
      d, y + i, count);
}

// kShifted: see NormalizeValues.
template <class S, class O, bool kResidual, bool kSumOut, bool kGamma,
          bool kBeta, bool kStream, bool kShifted = true,
          typename T = typename S::T, typename TO = typename O::T>
HWY_INLINE void RowNormalizeT(const T* x, const T* residual, TO* y,
                              size_t count, const RowAffine& a) {
  using D = hn::ScalableTag<float>;
  const D d;
  T* const sum_out = static_cast<T*>(a.sum_out);
  const size_t N = hn::Lanes(d);
  const auto scale = hn::Set(d, a.scale);
  const auto pivot = hn::Set(d, a.scaled_pivot);
  const auto mean = hn::Set(d, a.shifted_mean);
  const auto inv_std = hn::Set(d, a.inv_std);
  // Locals: y stores cannot alias them, so they stay in registers.
  const float* HWY_RESTRICT gamma = a.gamma;
  const float* HWY_RESTRICT beta = a.beta;
  size_t i = 0;
  // Peel up to an aligned destination, as a good memcpy does: a vector
  // store that straddles two cache lines costs about two (y from malloc or
  // numpy sits 16 bytes past a line), and Stream needs alignment. Short
  // rows skip the peel: they stay in L1, where it does not pay.
  if (kStream || count >= 8 * N) {
    const size_t head = MisalignedHead(y, N);
    if (head != 0) {
      const size_t peel = HWY_MIN(count, head);
      NormalizePart<S, O, kResidual, kSumOut, kGamma, kBeta, kShifted>(
          d, x, residual, sum_out, gamma, beta, y, 0, peel, scale, pivot, mean,
          inv_std);
      i = peel;
    }
    // (y not even element-aligned: no peel reaches alignment, plain stores.)
    SIMDNORM_DASSERT(i == count || !ElementAligned(y) ||
                     ElementsPastVector(y + i, N) == 0);
  }
  const auto at = [&](size_t j) HWY_ATTR {
    return NormalizeAt<S, kResidual, kSumOut, kGamma, kBeta, kShifted>(
        d, x, residual, sum_out, gamma, beta, j, scale, pivot, mean, inv_std);
  };
  const char* prefetch = static_cast<const char*>(a.prefetch);
  // The loop below prefetches at its own positions: with a peel, the first
  // line of the next row would be missed (and its last ones, after the
  // loop). Lines missed there were read from memory by the next moments
  // pass, at a stall each.
  if (prefetch != nullptr && i != 0) hwy::Prefetch(prefetch);
  for (; i + 4 * N <= count; i += 4 * N) {
    if (prefetch != nullptr) {
      // The lines of the next rows at the same position as this step.
      for (size_t line = 0; line < 4 * N * sizeof(T); line += 64) {
        hwy::Prefetch(prefetch + i * sizeof(T) + line);
      }
    }
    const auto v0 = at(i);
    const auto v1 = at(i + N);
    const auto v2 = at(i + 2 * N);
    const auto v3 = at(i + 3 * N);
    StoreOut4<O, kStream>(v0, v1, v2, v3, d, y + i);
  }
  if (prefetch != nullptr && i < count) {
    for (size_t b = i * sizeof(T); b < count * sizeof(T); b += 64) {
      hwy::Prefetch(prefetch + b);
    }
    hwy::Prefetch(prefetch + count * sizeof(T) - 1);
  }
  for (; i + N <= count; i += N) StoreOut<O, kStream>(at(i), d, y + i);
  if (i < count) {
    NormalizePart<S, O, kResidual, kSumOut, kGamma, kBeta, kShifted>(
        d, x, residual, sum_out, gamma, beta, y, i, count - i, scale, pivot,
        mean, inv_std);
  }
}

// Not inlined into the whole-rows kernel: one copy of each variant per
// target (compile time), at the cost of a call per row.
template <class S, class O, bool kResidual, bool kSumOut, bool kStream,
          typename T = typename S::T, typename TO = typename O::T>
HWY_NOINLINE void RowNormalizeAffine(const T* x, const T* residual, TO* y,
                                     size_t n, const RowAffine& a) {
  if (a.gamma != nullptr) {
    if (a.beta != nullptr) {
      return RowNormalizeT<S, O, kResidual, kSumOut, true, true, kStream>(
          x, residual, y, n, a);
    }
    return RowNormalizeT<S, O, kResidual, kSumOut, true, false, kStream>(
        x, residual, y, n, a);
  }
  if (a.beta != nullptr) {
    return RowNormalizeT<S, O, kResidual, kSumOut, false, true, kStream>(
        x, residual, y, n, a);
  }
  return RowNormalizeT<S, O, kResidual, kSumOut, false, false, kStream>(
      x, residual, y, n, a);
}

template <class S, class O, bool kStream, typename T = typename S::T,
          typename TO = typename O::T>
void RowNormalizeSource(const T* x, const T* residual, TO* y, size_t n,
                        const RowAffine& a) {
  if (residual == nullptr) {
    return RowNormalizeAffine<S, O, false, false, kStream>(x, residual, y, n,
                                                           a);
  }
  if (a.sum_out != nullptr) {
    return RowNormalizeAffine<S, O, true, true, kStream>(x, residual, y, n, a);
  }
  return RowNormalizeAffine<S, O, true, false, kStream>(x, residual, y, n, a);
}

template <class S>
void RowNormalize(const void* x_in, const void* residual_in, void* y_out,
                  int64_t n, const RowAffine& a) {
  using T = typename S::T;
  const T* x = static_cast<const T*>(x_in);
  const T* residual = static_cast<const T*>(residual_in);
  T* y = static_cast<T*>(y_out);
  const size_t count = static_cast<size_t>(n);
  // Unaligned elements cannot be peeled to vector alignment: plain stores.
  if (a.stream && ElementAligned(y)) {
    RowNormalizeSource<S, S, true>(x, residual, y, count, a);
    // Non-temporal stores are weakly ordered: make them visible before the
    // caller signals completion to other threads.
    hwy::FlushStream();
    return;
  }
  RowNormalizeSource<S, S, false>(x, residual, y, count, a);
}

// y[0, n) quantized as q: blocks of fp32 values on the stack, each
// quantized while it is in L1. normalize_block(x, residual, block, len, a)
// forms one block (x and residual already offset, a's arrays too).
template <class S, class NormalizeBlock, typename T = typename S::T>
HWY_INLINE void NormalizeQuantizedBlocks(const T* x, const T* residual,
                                         void* y, size_t n,
                                         const RowAffine& affine,
                                         const RowQuantization& q,
                                         const NormalizeBlock& normalize_block) {
  constexpr size_t kBlock = 1024;
  HWY_ALIGN float block[kBlock];
  const auto offset = [](auto* p, size_t i) {
    return p != nullptr ? p + i : nullptr;
  };
  for (size_t i = 0; i < n; i += kBlock) {
    const size_t len = HWY_MIN(kBlock, n - i);
    RowAffine a = affine;
    a.gamma = offset(affine.gamma, i);
    a.beta = offset(affine.beta, i);
    a.sum_out = offset(static_cast<T*>(affine.sum_out), i);
    a.prefetch = offset(static_cast<const T*>(affine.prefetch), i);
    a.stream = false;
    normalize_block(x + i, offset(residual, i), block, len, a);
    Quantize(block, static_cast<int8_t*>(y) + i, static_cast<int64_t>(len),
             q.scale, q.zero_point, q.dtype);
  }
}

template <class S>
void RowNormalizeQuantized(const void* x, const void* residual, void* y,
                           int64_t n, const RowAffine& a,
                           const RowQuantization& q) {
  using T = typename S::T;
  NormalizeQuantizedBlocks<S>(
      static_cast<const T*>(x), static_cast<const T*>(residual), y,
      static_cast<size_t>(n), a, q,
      [](const T* xb, const T* rb, float* block, size_t len,
         const RowAffine& ab) HWY_ATTR {
        RowNormalizeSource<S, StorageF32, false>(xb, rb, block, len, ab);
      });
}

// ------------------------------------------------------------ whole rows

// Rows [begin, end) of a RowBatch, statistics and normalize in one call,
// without a call through the kernel table per row. Rows go in small
// groups, phase by phase (moments, statistics, normalize), so that the long
// latency chain of one row (reduction, division, square root) overlaps
// with the other rows' work instead of serializing the rows. Returns the
// first row that needs a rescaled pass (huge, tiny or non-finite values):
// the caller's path.
// kGamma/kBeta: whether gamma/beta are given (ignored with kStream, whose
// long rows call the out-of-line normalize).
template <class S, bool kCentered, bool kStream, bool kGamma, bool kBeta>
int64_t RowsNormalizeT(const RowBatch& batch, int64_t begin, int64_t end) {
  using T = typename S::T;
  // A local copy: stores to y, mean and rstd cannot alias it, so its fields
  // stay in registers instead of being reloaded for every row.
  const RowBatch b = batch;
  const hn::ScalableTag<float> d;
  const size_t cols = static_cast<size_t>(b.cols);
  const bool one_block = cols <= MomentsBlock(hn::Lanes(d), b.block_elems);
  constexpr int64_t kGroup = 8;
  // Rows of a group are read again by the normalize phase: keep the group
  // within half of L1 so that those reads hit it.
  constexpr int64_t kGroupBytes = 16 << 10;
  const int64_t row_bytes = b.cols * int64_t{sizeof(T)};
  // (No division for short rows: it would cost as much as a row.)
  const int64_t group = row_bytes * kGroup <= kGroupBytes
                            ? kGroup
                            : HWY_MAX(1, kGroupBytes / row_bytes);
  // Per-group state, left unset: zeroing it (per group, or even once per
  // call) would cost as much as a short row.
  float pivot[kGroup];
  UnitStats stats[kGroup];
  // One-block rows keep their sums (turned into statistics below, several
  // rows at a time where possible); longer rows, and the rare fallback,
  // moments, built on first use.
  double sum[2 * kGroup], sum_sq[2 * kGroup];
  std::optional<std::array<Moments, kGroup>> moments;
  if (!one_block) moments.emplace();
  for (int64_t r0 = begin; r0 < end; r0 += group) {
    const int64_t rows = HWY_MIN(group, end - r0);
    // Zeros for the vector lanes GroupStatsVector reads past `rows`.
    for (int64_t j = rows; j < rows + int64_t{kGroupStatsLanes}; ++j) {
      sum[j] = sum_sq[j] = 0.0;
    }
    if (kCentered) {
      // The pivots first, all rows of the group at once: their three
      // scattered loads per row are the first touch of the row (cache
      // misses) and overlap this way instead of stalling row by row. The
      // next group's are prefetched for the same reason.
      for (int64_t j = 0; j < rows; ++j) {
        const T* x = static_cast<const T*>(b.x) + (r0 + j) * b.x_stride;
        pivot[j] = MedianOf3(ToF32<S>(x[0]), ToF32<S>(x[cols / 2]),
                             ToF32<S>(x[cols - 1]));
      }
      const int64_t next_end = HWY_MIN(end, r0 + rows + group);
      for (int64_t r = r0 + rows; r < next_end; ++r) {
        const T* x = static_cast<const T*>(b.x) + r * b.x_stride;
        hwy::Prefetch(x);
        hwy::Prefetch(x + cols / 2);
        hwy::Prefetch(x + cols - 1);
      }
    }
    for (int64_t j = 0; j < rows; ++j) {
      const T* x = static_cast<const T*>(b.x) + (r0 + j) * b.x_stride;
      if (!kCentered) pivot[j] = 0.0f;
      MomentsSource src;
      src.x = x;
      src.scaled_pivot = pivot[j];
      if (one_block) {  // as SpanMomentsT with a single block
        // RMSNorm: pivot +0 at scale 1, no shift at all.
        BlockSums<kCentered, false, false, kCentered>(
            d, TypedSource<S>(src), 0, cols, hn::Set(d, 1.0f),
            hn::Set(d, pivot[j]), &sum[j], &sum_sq[j]);
      } else {
        (*moments)[j] = SpanMomentsT<kCentered, false, false, S>(src, b.cols,
                                                              b.block_elems);
      }
    }
    bool finished = false;  // stats of all rows done, none needs a rescale
#if HWY_HAVE_FLOAT64
    finished = one_block && GroupStatsVector<kCentered, size_t{kGroup}>(
                                rows, static_cast<double>(cols), b.eps, pivot,
                                sum, sum_sq, stats);
#endif
    if (!finished && !moments) moments.emplace();
    for (int64_t j = 0; one_block && !finished && j < rows; ++j) {
      (*moments)[j] =
          BlockMoments<kCentered>(static_cast<double>(cols), sum[j], sum_sq[j]);
    }
    int64_t good = rows;  // rows before the first one needing a rescale
    for (int64_t j = 0; !finished && j < rows; ++j) {
      if (RetryScale((*moments)[j], pivot[j], b.eps) != 1.0f) {
        good = j;
        break;
      }
      stats[j] = FinishStats((*moments)[j], pivot[j], 1.0f, b.eps, kCentered);
    }
    for (int64_t j = 0; j < good; ++j) {
      const int64_t r = r0 + j;
      if (b.mean) b.mean[r] = static_cast<float>(stats[j].mean);
      if (b.rstd) b.rstd[r] = static_cast<float>(stats[j].rstd);
      RowAffine a;
      a.scaled_pivot = stats[j].scaled_pivot;
      a.shifted_mean = stats[j].shifted_mean;
      a.inv_std = stats[j].inv_std;
      a.gamma = b.gamma;
      a.beta = b.beta;
      // The next group's row j, so that the next moments phase finds it in
      // cache: its reads overlap with this phase's stores.
      if (r + group < end) {
        a.prefetch = static_cast<const T*>(b.x) + (r + group) * b.x_stride;
      }
      const T* x = static_cast<const T*>(b.x) + r * b.x_stride;
      // y's row: of element type T, or int8 when quantized.
      const auto y_row = [&b, r]() {
        return static_cast<T*>(b.y) + r * b.y_stride;
      };
      if (!kStream && b.quantized) {
        NormalizeQuantizedBlocks<S>(
            x, static_cast<const T*>(nullptr),
            static_cast<int8_t*>(b.y) + r * b.y_stride, cols, a, b.y_quant,
            [](const T* xb, const T*, float* block, size_t len,
               const RowAffine& ab) HWY_ATTR {
              // As below, into the block.
              RowNormalizeT<S, StorageF32, false, false, kGamma, kBeta,
                            false, kCentered>(
                  xb, static_cast<const T*>(nullptr), block, len, ab);
            });
      } else if constexpr (kStream) {
        RowNormalizeAffine<S, S, false, false, kStream>(
            x, static_cast<const T*>(nullptr), y_row(), cols, a);
      } else {
        // Inline: for short rows the call and its setup cost as much as
        // the row itself.
        // Scale 1 (rows needing another end the call above); RMSNorm's
        // pivot and mean are +0.
        RowNormalizeT<S, S, false, false, kGamma, kBeta, false, kCentered>(
            x, static_cast<const T*>(nullptr), y_row(), cols, a);
      }
    }
    if (good < rows) {
      if (kStream) hwy::FlushStream();
      return r0 + good;
    }
  }
  if (kStream) hwy::FlushStream();
  return end;
}

// The non-streaming whole-rows kernel for the given gamma/beta presence.
template <class S>
int64_t RowsWithAffine(const RowBatch& b, int64_t begin, int64_t end,
                       bool gamma, bool beta) {
  if (b.centered) {
    if (gamma) {
      return beta ? RowsNormalizeT<S, true, false, true, true>(b, begin, end)
                  : RowsNormalizeT<S, true, false, true, false>(b, begin, end);
    }
    return beta ? RowsNormalizeT<S, true, false, false, true>(b, begin, end)
                : RowsNormalizeT<S, true, false, false, false>(b, begin, end);
  }
  if (gamma) {
    return beta ? RowsNormalizeT<S, false, false, true, true>(b, begin, end)
                : RowsNormalizeT<S, false, false, true, false>(b, begin, end);
  }
  return beta ? RowsNormalizeT<S, false, false, false, true>(b, begin, end)
              : RowsNormalizeT<S, false, false, false, false>(b, begin, end);
}

template <class S>
int64_t RowsNormalize(const RowBatch& b, int64_t begin, int64_t end) {
  if (!b.quantized && NarrowRowsFit(b)) return NarrowRows<S>(b, begin, end);
  const bool stream =
      b.stream && !b.quantized && ElementAligned(b.y, sizeof(typename S::T));
  if (stream) {
    return b.centered ? RowsNormalizeT<S, true, true, true, true>(b, begin, end)
                      : RowsNormalizeT<S, false, true, true, true>(b, begin,
                                                                  end);
  }
  return RowsWithAffine<S>(b, begin, end, b.gamma != nullptr,
                           b.beta != nullptr);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace simdnorm::internal
HWY_AFTER_NAMESPACE();

#endif  // SIMDNORM_KERNELS_ROW_NORMALIZE_INL_H_
