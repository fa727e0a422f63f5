// What the GroupNorm/InstanceNorm and BatchNorm targets share: the
// per-channel parameter count, and x and y as [N, C * S] tensors whose
// samples are the batch strides apart (fields appended after 0.1.0,
// counted in elements of each tensor's own type).
#ifndef SIMDNORM_TESTS_FUZZ_FUZZ_CHANNEL_H_
#define SIMDNORM_TESTS_FUZZ_FUZZ_CHANNEL_H_

#include <cstdint>

#include "fuzz_common.h"

namespace simdnorm_fuzz {

// The batch strides a call reads (0 = dense), and the sample size C * S
// (saturated at 2^62; 0 for an invalid shape).
struct BatchStrides {
  __int128 sample = 0;
  int64_t x = 0;
  int64_t y = 0;
  __int128 ResolvedX() const { return x == 0 ? sample : __int128{x}; }
  __int128 ResolvedY() const { return y == 0 ? sample : __int128{y}; }
};

__int128 SampleSize(int64_t channels, int64_t spatial);
// param_count: mostly 0 (= C), sometimes C, sometimes any count.
int64_t DecodeParamCount(ByteReader& in, int64_t channels);

// Decodes both strides into args (struct_size set) and returns what the
// call reads.
template <class Args>
BatchStrides DecodeBatchStrides(ByteReader& in, Args& args) {
  BatchStrides b;
  b.sample = SampleSize(args.channels, args.spatial);
  const int64_t sample = b.sample > INT64_MAX ? INT64_MAX : static_cast<int64_t>(b.sample);
  StoreAppended(args, args.x_batch_stride, DecodeStride(in, sample), &b.x);
  StoreAppended(args, args.y_batch_stride, DecodeStride(in, sample), &b.y);
  return b;
}

// x and y as [N, C * S] views with the strides, and the strides' rules.
void SetBatchGeometry(View& x, View& y, int64_t batch, const BatchStrides& b);
void BatchStrideRules(Model& m, int64_t batch, const BatchStrides& b);

}  // namespace simdnorm_fuzz

#endif  // SIMDNORM_TESTS_FUZZ_FUZZ_CHANNEL_H_
