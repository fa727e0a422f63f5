/* C entry points that pass raw integers as the C API's enum arguments
 * (see tile_params_shim.c). */
#ifndef SIMDNORM_TESTS_FUZZ_TILE_PARAMS_SHIM_H_
#define SIMDNORM_TESTS_FUZZ_TILE_PARAMS_SHIM_H_

#include "simdnorm/simdnorm.h"

#ifdef __cplusplus
extern "C" {
#endif

simdnorm_status simdnorm_fuzz_get_tile_params(const simdnorm_context* ctx,
                                              int op, int layout,
                                              int64_t unit_elems,
                                              simdnorm_tile_params* out);
simdnorm_status simdnorm_fuzz_set_tile_params(
    simdnorm_context* ctx, int op, int layout, int64_t unit_elems,
    const simdnorm_tile_params* params);
const char* simdnorm_fuzz_status_string(int status);

#ifdef __cplusplus
}
#endif

#endif /* SIMDNORM_TESTS_FUZZ_TILE_PARAMS_SHIM_H_ */
