// The row kernel tables of every storage type (row_kernels_<type>.cc).
#include "kernels/row_kernels.h"

#include "kernels/storage_tables.h"

namespace simdnorm::internal {

SIMDNORM_DEFINE_STORAGE_LOOKUP(RowKernels, FindRowKernels, RowKernelTargets)

}  // namespace simdnorm::internal
