/* Smallest real use of the installed library from C: LayerNorm of two
 * rows, then the same on a context whose tasks go to a runner of the
 * caller's (the runtime's thread pool; here a loop). */
#include <math.h>
#include <stdio.h>

#include <simdnorm/simdnorm.h>

static void LoopRunner(void* calls, int64_t count, simdnorm_task_fn fn,
                       void* task_ctx) {
  int64_t i;
  ++*(int*)calls;
  for (i = 0; i < count; ++i) fn(task_ctx, i);
}

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
  {
    /* Large enough to be cut into tasks: 256 rows of 1024. */
    enum { kRows = 256, kCols = 1024 };
    static float big_x[kRows * kCols], big_y[kRows * kCols];
    simdnorm_context* ctx = NULL;
    int calls = 0, i;
    for (i = 0; i < kRows * kCols; ++i) big_x[i] = (float)(i % 17);
    if (simdnorm_context_create(&ctx) != SIMDNORM_OK ||
        simdnorm_context_set_parallel_runner(ctx, LoopRunner, &calls, 4) !=
            SIMDNORM_OK) {
      fprintf(stderr, "runner setup failed: %s\n", simdnorm_last_error());
      return 1;
    }
    args.rows = kRows;
    args.cols = kCols;
    args.x = big_x;
    args.y = big_y;
    if (simdnorm_layer_norm(ctx, &args) != SIMDNORM_OK || calls == 0) {
      fprintf(stderr, "runner call failed (%d runner calls): %s\n", calls,
              simdnorm_last_error());
      return 1;
    }
    simdnorm_context_destroy(ctx);
  }
  printf("simdnorm %s on %s: ok\n", simdnorm_version(), simdnorm_best_target());
  return 0;
}
