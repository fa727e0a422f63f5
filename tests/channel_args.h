// Arguments of a channel op for one problem, built the same way by every
// suite: the shape, layout, x and y of GroupNormArgs, InstanceNormArgs or
// BatchNormArgs, other fields at their defaults.
#ifndef SIMDNORM_TESTS_CHANNEL_ARGS_H_
#define SIMDNORM_TESTS_CHANNEL_ARGS_H_

#include <cstdint>

#include "simdnorm/simdnorm.hpp"

namespace simdnorm_test {

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

}  // namespace simdnorm_test

#endif  // SIMDNORM_TESTS_CHANNEL_ARGS_H_
