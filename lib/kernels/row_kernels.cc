// The row kernel tables of every storage type (row_kernels_<type>.cc).
#include "kernels/row_kernels.h"

#include "common/storage.h"

namespace simdnorm::internal {

#define SIMDNORM_DECLARE_ROW_KERNELS(name, dtype_value, bytes, text) \
  const RowKernels* FindRowKernels##name(int64_t target);      \
  int64_t RowKernelTargets##name();
SIMDNORM_FOR_EACH_STORAGE(SIMDNORM_DECLARE_ROW_KERNELS)
#undef SIMDNORM_DECLARE_ROW_KERNELS

const RowKernels* FindRowKernels(int64_t target, simdnorm_dtype dtype) {
#define SIMDNORM_FIND_ROW_KERNELS(name, dtype_value, bytes, text) \
  if (dtype == dtype_value) return FindRowKernels##name(target);
  SIMDNORM_FOR_EACH_STORAGE(SIMDNORM_FIND_ROW_KERNELS)
#undef SIMDNORM_FIND_ROW_KERNELS
  return nullptr;
}

int64_t RowKernelTargets() {
  int64_t targets = ~int64_t{0};
#define SIMDNORM_ROW_KERNEL_TARGETS(name, dtype_value, bytes, text) \
  targets &= RowKernelTargets##name();
  SIMDNORM_FOR_EACH_STORAGE(SIMDNORM_ROW_KERNEL_TARGETS)
#undef SIMDNORM_ROW_KERNEL_TARGETS
  return targets;
}

}  // namespace simdnorm::internal
