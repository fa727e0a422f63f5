// Arguments of an op for one problem, built the same way by every suite:
// the shape (and layout or storage type), x and y, other fields at their
// defaults.
#ifndef SIMDNORM_TESTS_OP_ARGS_H_
#define SIMDNORM_TESTS_OP_ARGS_H_

#include <cstdint>

#include "simdnorm/simdnorm.hpp"

namespace simdnorm_test {

// GroupNormArgs, InstanceNormArgs or BatchNormArgs.
template <class Args>
Args ChannelArgs(int64_t n, int64_t c, int64_t s, simdnorm_layout layout,
                 const void* x, void* y) {
  Args a;
  a.layout = layout;
  a.batch = n;
  a.channels = c;
  a.spatial = s;
  a.x = x;
  a.y = y;
  return a;
}

inline simdnorm::RowNormArgs RowArgs(simdnorm_dtype dtype, int64_t rows,
                                     int64_t cols, const void* x, void* y) {
  simdnorm::RowNormArgs a;
  a.dtype = dtype;
  a.rows = rows;
  a.cols = cols;
  a.x = x;
  a.y = y;
  return a;
}

}  // namespace simdnorm_test

#endif  // SIMDNORM_TESTS_OP_ARGS_H_
