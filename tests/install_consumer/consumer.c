/* Smallest real use of the installed library: LayerNorm of two rows. */
#include <math.h>
#include <stdio.h>

#include <simdnorm/simdnorm.h>

int main(void) {
  const float x[8] = {1, 2, 3, 4, 10, 10, 10, 10};
  float y[8];
  simdnorm_row_norm_args args;
  simdnorm_row_norm_args_init(&args);
  args.rows = 2;
  args.cols = 4;
  args.x = x;
  args.y = y;
  if (simdnorm_layer_norm(NULL, &args) != SIMDNORM_OK) {
    fprintf(stderr, "layer_norm failed: %s\n", simdnorm_last_error());
    return 1;
  }
  /* Row 0: mean 2.5, var 1.25; row 1 is constant, so exactly beta = 0. */
  const float want0 = (float)(-1.5 / sqrt(1.25 + 1e-5));
  if (fabsf(y[0] - want0) > 1e-5f || y[4] != 0.0f) {
    fprintf(stderr, "wrong result: %g %g\n", y[0], y[4]);
    return 1;
  }
  printf("simdnorm %s on %s: ok\n", simdnorm_version(), simdnorm_best_target());
  return 0;
}
