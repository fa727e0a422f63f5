/* The C API functions that take enums by value, called with any integer.
 * A C caller may pass any int as an enum; C++ code cannot even form such a
 * value without undefined behaviour (which UBSan reports), so the fuzz
 * targets go through these C functions. */
#include "tile_params_shim.h"

simdnorm_status simdnorm_fuzz_get_tile_params(const simdnorm_context* ctx,
                                              int op, int layout,
                                              int64_t unit_elems,
                                              simdnorm_tile_params* out) {
  return simdnorm_context_get_tile_params(ctx, (simdnorm_op)op,
                                          (simdnorm_layout)layout, unit_elems,
                                          out);
}

simdnorm_status simdnorm_fuzz_set_tile_params(
    simdnorm_context* ctx, int op, int layout, int64_t unit_elems,
    const simdnorm_tile_params* params) {
  return simdnorm_context_set_tile_params(ctx, (simdnorm_op)op,
                                          (simdnorm_layout)layout, unit_elems,
                                          params);
}

const char* simdnorm_fuzz_status_string(int status) {
  return simdnorm_status_string((simdnorm_status)status);
}
