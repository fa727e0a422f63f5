#include "fuzz_channel.h"

#include <algorithm>

namespace simdnorm_fuzz {

__int128 SampleSize(int64_t channels, int64_t spatial) {
  if (channels <= 0 || spatial <= 0) return 0;
  // Past 2^58 the shape is invalid anyway; 2^62 keeps N * sample and the
  // views' extents within __int128.
  return std::min(SaturatedProduct(1, channels, spatial), __int128{1} << 62);
}

int64_t DecodeParamCount(ByteReader& in, int64_t channels) {
  const uint8_t tag = in.Byte();
  return tag < 200 ? 0 : tag < 232 ? channels : DecodeCount(in, 16, 512);
}

void SetBatchGeometry(View& x, View& y, int64_t batch, const BatchStrides& b) {
  const __int128 rows = batch > 0 ? batch : 0;
  SetMatrix(x, rows, b.sample, b.ResolvedX());
  SetMatrix(y, rows, b.sample, b.ResolvedY());
}

void BatchStrideRules(Model& m, int64_t batch, const BatchStrides& b) {
  if (b.sample == 0) return;  // an invalid shape
  StrideRules(m, "x_batch_stride", batch, b.sample, b.ResolvedX(), true);
  StrideRules(m, "y_batch_stride", batch, b.sample, b.ResolvedY(), true);
}

}  // namespace simdnorm_fuzz
