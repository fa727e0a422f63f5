// LayerNorm and RMSNorm with a residual bias (ONNX Runtime's
// SkipLayerNormalization): s = x + residual + residual_bias is formed first,
// block by block, then normalized by the row norms' own paths.
#ifndef SIMDNORM_OPS_ROW_BIAS_H_
#define SIMDNORM_OPS_ROW_BIAS_H_

#include <cstdint>

#include "ops/row_norm.h"

namespace simdnorm::internal {

// Rows [begin, end) of p (whose residual_bias is set; RunRowNorm and
// RunRowNormSlice ignore that field). Blocks of rows get s = (x + residual)
// + residual_bias in fp32, element-wise, in sum_out's rows when it is
// given and in scratch memory (allocated before anything is written)
// otherwise; each block is then normalized as a problem without residual.
// With 16-bit storage, s and y are formed in fp32 scratch and rounded once
// into y and sum_out.
// `parallel`: on the context's threads (the full call), else on the
// caller's thread (a slice). The same bits either way and for any thread
// count: s is element-wise and the row norms do not depend on the split.
void RunRowNormWithBias(const simdnorm_context& ctx, const RowNormProblem& p,
                        int64_t begin, int64_t end, bool parallel);

}  // namespace simdnorm::internal

#endif  // SIMDNORM_OPS_ROW_BIAS_H_
