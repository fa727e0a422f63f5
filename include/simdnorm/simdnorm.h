/* simdnorm: normalization kernels for CPU inference (stable C API).
 *
 * Every function returns a simdnorm_status. On failure nothing is written to
 * the outputs and simdnorm_last_error() (thread-local) says what was wrong.
 * A NULL context means the process-wide default context, which uses all
 * cores and the best ISA target of the CPU, or the target named by the
 * SIMDNORM_TARGET environment variable and the tuning file named by
 * SIMDNORM_TUNING (both read once, at its first use). A value it cannot use
 * leaves the best target or the built-in parameters in place and is
 * reported by simdnorm_context_warnings(NULL): the default context always
 * works. Failures are never printed.
 *
 * Argument structs carry their own size (set by the *_init functions) so
 * that fields can be appended in later versions without breaking the ABI:
 * always initialize them with the matching init function. A struct from an
 * older version (a smaller struct_size, down to that of 0.1.0) is accepted,
 * its missing fields taking their defaults.
 */
#ifndef SIMDNORM_SIMDNORM_H_
#define SIMDNORM_SIMDNORM_H_

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#if defined(SIMDNORM_BUILDING_LIBRARY)
#define SIMDNORM_API __declspec(dllexport)
#else
#define SIMDNORM_API
#endif
#else
#define SIMDNORM_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define SIMDNORM_VERSION_MAJOR 0
#define SIMDNORM_VERSION_MINOR 1
#define SIMDNORM_VERSION_PATCH 0

/* The eps every *_args_init sets (and the C++ wrapper's default). */
#define SIMDNORM_DEFAULT_EPS 1e-5f

/* Upper bound for simdnorm_context_set_threads. */
#define SIMDNORM_MAX_THREADS 1024

typedef enum simdnorm_status {
  SIMDNORM_OK = 0,
  SIMDNORM_INVALID_ARGUMENT = 1, /* bad shape, pointer, stride, eps, ... */
  SIMDNORM_UNSUPPORTED = 2,      /* valid request this build or CPU cannot do */
  SIMDNORM_OUT_OF_MEMORY = 3,
  SIMDNORM_INTERNAL_ERROR = 4,
  SIMDNORM_TUNING_ERROR = 5 /* malformed or incompatible tuning file */
} simdnorm_status;

/* Storage type of the tensors (x, residual, y, sum_out). Statistics are
 * computed in fp32 lanes whatever the type, and each output is rounded
 * once, to nearest even (NaN stays NaN, overflow becomes Inf). mean, rstd
 * and running statistics are always fp32; gamma and beta are fp32 or of
 * the storage type (param_dtype). Every op takes every type. */
typedef enum simdnorm_dtype {
  SIMDNORM_F32 = 0,
  SIMDNORM_BF16 = 1, /* bfloat16 */
  SIMDNORM_F16 = 2,  /* IEEE half precision */
  /* Quantized outputs only (y_dtype of every op's args):
   * y_q = saturate(round_half_even(y / y_scale) + y_zero_point), as ONNX
   * QuantizeLinear and oneDNN; NaN quantizes to y_zero_point. */
  SIMDNORM_S8 = 3, /* int8_t */
  SIMDNORM_U8 = 4  /* uint8_t */
} simdnorm_dtype;

typedef enum simdnorm_layout {
  SIMDNORM_NCHW = 0, /* [N, C, S]: channels first */
  SIMDNORM_NHWC = 1  /* [N, S, C]: channels last */
} simdnorm_layout;

/* Applied to the normalized value, fused into the same pass. */
typedef enum simdnorm_activation {
  SIMDNORM_ACT_NONE = 0,
  SIMDNORM_ACT_RELU = 1,
  SIMDNORM_ACT_SILU = 2,
  SIMDNORM_ACT_GELU_ERF = 3,
  SIMDNORM_ACT_GELU_TANH = 4
} simdnorm_activation;

/* ---------------------------------------------------------------- library */

SIMDNORM_API const char* simdnorm_version(void); /* "0.1.0" */
SIMDNORM_API const char* simdnorm_status_string(simdnorm_status status);
/* Message of the last failed call on this thread ("" if none). */
SIMDNORM_API const char* simdnorm_last_error(void);
/* Comma-separated ISA targets compiled into the library, best first,
 * e.g. "AVX3,AVX2,SSE4,SSSE3,SCALAR". */
SIMDNORM_API const char* simdnorm_compiled_targets(void);
/* The compiled targets this CPU can run, best first. */
SIMDNORM_API const char* simdnorm_supported_targets(void);
/* The best target of this CPU among the compiled ones, e.g. "AVX3". */
SIMDNORM_API const char* simdnorm_best_target(void);

/* ---------------------------------------------------------------- context */

/* Threads, ISA target and tuning table used by the ops. A context may be
 * shared by concurrent calls; its setters must not race with them. */
typedef struct simdnorm_context simdnorm_context;

SIMDNORM_API simdnorm_status simdnorm_context_create(simdnorm_context** out);
SIMDNORM_API void simdnorm_context_destroy(simdnorm_context* ctx);
/* 0 = all cores, 1 = the caller's thread only, up to SIMDNORM_MAX_THREADS.
 * Capped at the cores the process may run on (its CPU affinity mask) and
 * at a oneTBB global_control limit set before the call, so simdnorm never
 * oversubscribes; simdnorm_context_threads() says how many are used. */
SIMDNORM_API simdnorm_status simdnorm_context_set_threads(
    simdnorm_context* ctx, int threads);
/* Threads the context's ops use (after the cap above), or the
 * max_concurrency of its parallel runner. */
SIMDNORM_API int simdnorm_context_threads(const simdnorm_context* ctx);
/* A runtime's own thread pool, used instead of oneTBB.
 *
 * simdnorm plans every op as it would for max_concurrency oneTBB threads
 * (the same work units and task sizes), cuts it into tasks itself and
 * hands them to the runner:
 *   runner(user_data, task_count, task_fn, task_ctx)
 * must call task_fn(task_ctx, i) exactly once for every i in
 * [0, task_count) and return when all of them have returned. Tasks are
 * independent: they may run in any order, concurrently, and on the calling
 * thread (a serial runner that loops over i is valid). The results are
 * bit-identical to the oneTBB path's and to any thread count's.
 * - The runner may be called from several threads at once (ops running
 *   concurrently on the context); simdnorm never calls it from inside a
 *   task (no nesting), and never calls it for fewer than 2 tasks.
 * - task_fn never throws and never blocks on other tasks; a runner that
 *   skips, repeats or invents a task index makes the op fail with
 *   SIMDNORM_INTERNAL_ERROR (its outputs are then unspecified).
 * - max_concurrency (1 to SIMDNORM_MAX_THREADS) is how many tasks may run
 *   at once: simdnorm plans with it exactly where it would use the thread
 *   count (1 runs every op on the calling thread, without the runner). It
 *   is not capped at the cores: the runtime knows its pool.
 * With a runner the context never starts oneTBB work;
 * simdnorm_context_threads() returns max_concurrency, and
 * simdnorm_context_set_threads() fails until a NULL runner restores oneTBB
 * (with the thread count set before). Like the other setters, this must
 * not race with ops running on the context. */
typedef void (*simdnorm_task_fn)(void* task_ctx, int64_t task_index);
typedef void (*simdnorm_parallel_runner)(void* user_data, int64_t task_count,
                                         simdnorm_task_fn task_fn,
                                         void* task_ctx);
SIMDNORM_API simdnorm_status simdnorm_context_set_parallel_runner(
    simdnorm_context* ctx, simdnorm_parallel_runner runner, void* user_data,
    int max_concurrency);
/* "best" (or NULL) or a name from simdnorm_supported_targets(), in any
 * case ("avx2" = "AVX2"); "AVX512" names AVX3. */
SIMDNORM_API simdnorm_status simdnorm_context_set_target(
    simdnorm_context* ctx, const char* target);
/* Name of the target the context's kernels run on. */
SIMDNORM_API const char* simdnorm_context_target(const simdnorm_context* ctx);
/* Loads a JSON tuning file written by simdnorm-tune. On error the context
 * keeps its previous table. Entries for another CPU or ISA are skipped, and
 * a table tuned with another thread count than the context's is used but
 * noted: see simdnorm_context_tuning_warnings(). Files over 16 MiB or
 * nested deeper than 16 are refused. */
SIMDNORM_API simdnorm_status simdnorm_context_load_tuning(
    simdnorm_context* ctx, const char* path);
/* The same for the contents of a tuning file held in memory: the size
 * bytes at data (no terminating NUL needed), e.g. embedded in the
 * runtime's binary. */
SIMDNORM_API simdnorm_status simdnorm_context_load_tuning_from_memory(
    simdnorm_context* ctx, const char* data, size_t size);
/* Why entries of the last tuning table loaded were skipped or may not fit,
 * one reason per line ("" if none). For the default context, also why
 * SIMDNORM_TUNING could not be loaded. Valid until the context changes. */
SIMDNORM_API const char* simdnorm_context_tuning_warnings(
    const simdnorm_context* ctx);
/* Everything the caller may want to know about the context's setup, one
 * reason per line ("" if none): the tuning warnings above and, for the
 * default context, why SIMDNORM_TARGET could not be used. */
SIMDNORM_API const char* simdnorm_context_warnings(const simdnorm_context* ctx);

/* ------------------------------------------------ LayerNorm and RMSNorm */

/* x and y are [rows, cols] with row strides in elements (0 = cols).
 * LayerNorm: y = (x - mean) * rstd * gamma + beta, biased variance.
 * RMSNorm:   y = x * rsqrt(mean(x^2) + eps) * gamma (beta must be NULL).
 * With residual and/or residual_bias: s = x + residual + residual_bias
 * (added in that order, in fp32; either may be absent) is normalized, and
 * written to sum_out if that is given, as ONNX Runtime's
 * SkipLayerNormalization and SkipSimplifiedLayerNormalization. y may equal
 * x (in place); partial overlap is an error. */
typedef struct simdnorm_row_norm_args {
  size_t struct_size;
  simdnorm_dtype dtype;
  int64_t rows;
  int64_t cols;
  int64_t x_stride;
  int64_t y_stride;
  float eps;                   /* >= 0 and finite; SIMDNORM_DEFAULT_EPS */
  const void* x;               /* required */
  void* y;                     /* required */
  const void* gamma;           /* [cols] or NULL (= 1) */
  const void* beta;            /* [cols] or NULL (= 0); LayerNorm only */
  const void* residual;        /* optional, [rows, cols] */
  int64_t residual_stride;     /* 0 = cols */
  void* sum_out;               /* optional, [rows, cols]: s above; needs a
                                  residual or residual_bias */
  int64_t sum_stride;          /* 0 = cols */
  float* mean;                 /* optional [rows]; LayerNorm only */
  float* rstd;                 /* optional [rows] */
  /* Appended after 0.1.0 (older callers get the defaults): */
  const void* residual_bias; /* optional [cols] of param_dtype, added to
                                every row of s; default NULL */
  simdnorm_dtype param_dtype; /* gamma, beta and residual_bias:
                                 SIMDNORM_F32 (default) or dtype (as a
                                 bf16/fp16 module keeps them) */
  int32_t reserved;           /* must be 0 */
  simdnorm_dtype y_dtype; /* 0 (default) = dtype; or SIMDNORM_S8 /
                             SIMDNORM_U8: y quantized (y may not overlap
                             x, residual or sum_out then) */
  float y_scale;          /* quantized y: > 0 and finite; default 1 */
  int32_t y_zero_point;   /* quantized y: within the type's range;
                             default 0 */
} simdnorm_row_norm_args;

SIMDNORM_API void simdnorm_row_norm_args_init(simdnorm_row_norm_args* args);

SIMDNORM_API simdnorm_status simdnorm_layer_norm(
    simdnorm_context* ctx, const simdnorm_row_norm_args* args);
SIMDNORM_API simdnorm_status simdnorm_rms_norm(
    simdnorm_context* ctx, const simdnorm_row_norm_args* args);
/* Rows [row_begin, row_end) only, on the caller's thread: for runtimes that
 * bring their own thread pool. Same results as the full call. */
SIMDNORM_API simdnorm_status simdnorm_layer_norm_slice(
    simdnorm_context* ctx, const simdnorm_row_norm_args* args,
    int64_t row_begin, int64_t row_end);
SIMDNORM_API simdnorm_status simdnorm_rms_norm_slice(
    simdnorm_context* ctx, const simdnorm_row_norm_args* args,
    int64_t row_begin, int64_t row_end);

/* ------------------------------------------ GroupNorm and InstanceNorm */

/* x and y are [N, C, S] (NCHW) or [N, S, C] (NHWC). S is the product of
 * the spatial dims (1 for a plain [N, C] input). Each sample is dense; the
 * samples are x_batch_stride (y_batch_stride) elements apart, so x and y
 * may be views of larger tensors along N. Statistics per (n, g) over
 * (C / groups) * S values, biased variance; gamma/beta per channel.
 * InstanceNorm takes the same struct as simdnorm_instance_norm_args (below):
 * one group per channel. */
typedef struct simdnorm_group_norm_args {
  size_t struct_size;
  simdnorm_dtype dtype;
  simdnorm_layout layout;
  simdnorm_activation activation;
  int64_t batch;    /* N */
  int64_t channels; /* C */
  int64_t spatial;  /* S */
  int64_t groups;   /* G, divides C */
  float eps;
  const void* x;
  void* y;
  const void* gamma; /* [C] or NULL */
  const void* beta;  /* [C] or NULL */
  float* mean;       /* optional [N, G] ([N, C] for InstanceNorm) */
  float* rstd;       /* optional [N, G] ([N, C] for InstanceNorm) */
  int64_t param_count; /* elements in gamma/beta if given; 0 = assume C */
  /* Appended after 0.1.0 (older callers get the defaults): */
  int64_t x_batch_stride; /* elements from x[n] to x[n + 1]: >= C * S, or
                             0 (default) for C * S */
  int64_t y_batch_stride; /* the same for y; y == x in place needs equal
                             strides */
  simdnorm_dtype param_dtype; /* gamma and beta: SIMDNORM_F32 (default) or
                                 dtype (as a bf16/fp16 module keeps them) */
  int32_t reserved;           /* must be 0 */
  simdnorm_dtype y_dtype; /* 0 (default) = dtype; or SIMDNORM_S8 /
                             SIMDNORM_U8: y quantized (y may not overlap x
                             then; y_batch_stride counts int8 elements) */
  float y_scale;          /* quantized y: > 0 and finite; default 1 */
  int32_t y_zero_point;   /* quantized y: within the type's range;
                             default 0 */
} simdnorm_group_norm_args;

SIMDNORM_API void simdnorm_group_norm_args_init(simdnorm_group_norm_args* args);

SIMDNORM_API simdnorm_status simdnorm_group_norm(
    simdnorm_context* ctx, const simdnorm_group_norm_args* args);
/* InstanceNorm: GroupNorm with one group per channel (groups == C). Its
 * args are GroupNorm's, set up by their own init: `groups` is ignored (0),
 * and mean/rstd, if given, are [N, C] (one statistic per channel of each
 * sample, n * C + c). */
typedef simdnorm_group_norm_args simdnorm_instance_norm_args;
SIMDNORM_API void simdnorm_instance_norm_args_init(
    simdnorm_instance_norm_args* args);
SIMDNORM_API simdnorm_status simdnorm_instance_norm(
    simdnorm_context* ctx, const simdnorm_instance_norm_args* args);
/* (n, g) units [unit_begin, unit_end), unit = n * groups + g, on the
 * caller's thread. */
SIMDNORM_API simdnorm_status simdnorm_group_norm_slice(
    simdnorm_context* ctx, const simdnorm_group_norm_args* args,
    int64_t unit_begin, int64_t unit_end);

/* ------------------------------------------------------------ BatchNorm */

/* x and y are [N, C, S] or [N, S, C] (S = 1 for BatchNorm1d on [N, C]),
 * samples x_batch_stride (y_batch_stride) elements apart as for GroupNorm.
 * Inference: y = (x - running_mean) * rsqrt(running_var + eps) * gamma + beta.
 * Batch statistics: mean and biased variance per channel over N * S values;
 * if update_running_stats, running = (1 - momentum) * running + momentum *
 * batch, with the unbiased variance for running_var (as PyTorch). */
/* How batch statistics update the running statistics (the runtimes
 * differ):
 *   SIMDNORM_RUNNING_STATS_PYTORCH (default), torch.nn.BatchNorm:
 *     running = (1 - momentum) * running + momentum * batch,
 *     with the unbiased batch variance (divided by N * S - 1);
 *   SIMDNORM_RUNNING_STATS_ONNX, ONNX BatchNormalization (training_mode):
 *     running = momentum * running + (1 - momentum) * batch,
 *     with the biased batch variance (divided by N * S).
 * y is normalized with the biased batch variance either way. */
typedef enum simdnorm_running_stats {
  SIMDNORM_RUNNING_STATS_PYTORCH = 0,
  SIMDNORM_RUNNING_STATS_ONNX = 1
} simdnorm_running_stats;

typedef struct simdnorm_batch_norm_args {
  size_t struct_size;
  simdnorm_dtype dtype;
  simdnorm_layout layout;
  simdnorm_activation activation;
  int64_t batch;    /* N */
  int64_t channels; /* C */
  int64_t spatial;  /* S */
  float eps;
  float momentum;   /* [0, 1], batch statistics only; default 0.1 */
  int update_running_stats; /* batch statistics only */
  const void* x;
  void* y;
  const void* gamma;   /* [C] or NULL */
  const void* beta;    /* [C] or NULL */
  float* running_mean; /* [C]: read in inference, updated in batch stats */
  float* running_var;  /* [C] */
  float* batch_mean;   /* optional [C], batch statistics only */
  float* batch_rstd;   /* optional [C], batch statistics only */
  int64_t param_count; /* elements in each per-channel array given (gamma,
                          beta, running stats); 0 = assume C */
  /* Appended after 0.1.0 (older callers get the defaults): */
  int64_t x_batch_stride; /* >= C * S, or 0 (default) for C * S */
  int64_t y_batch_stride; /* >= C * S, or 0 (default) for C * S */
  simdnorm_running_stats running_stats; /* batch statistics: how the
                                           running statistics are updated */
  simdnorm_dtype param_dtype; /* gamma and beta: SIMDNORM_F32 (default) or
                                 dtype; running statistics are fp32 */
  simdnorm_dtype y_dtype; /* 0 (default) = dtype; or SIMDNORM_S8 /
                             SIMDNORM_U8: y quantized (y may not overlap x
                             then; y_batch_stride counts int8 elements;
                             batch statistics stay fp32) */
  float y_scale;          /* quantized y: > 0 and finite; default 1 */
  int32_t y_zero_point;   /* quantized y: within the type's range;
                             default 0 */
} simdnorm_batch_norm_args;

SIMDNORM_API void simdnorm_batch_norm_args_init(simdnorm_batch_norm_args* args);

SIMDNORM_API simdnorm_status simdnorm_batch_norm_inference(
    simdnorm_context* ctx, const simdnorm_batch_norm_args* args);
SIMDNORM_API simdnorm_status simdnorm_batch_norm_training(
    simdnorm_context* ctx, const simdnorm_batch_norm_args* args);
/* Inference units [unit_begin, unit_end) only, on the caller's thread, with
 * the results of the full call: for runtimes that bring their own thread
 * pool. A unit is a contiguous run of the tensor, in memory order:
 *   NCHW with S > 1: unit n * C + c is channel c of sample n (S values),
 *                    N * C units;
 *   NHWC, or S == 1: unit n * S + s is position s of sample n (C values),
 *                    N * S units.
 * (Batch statistics need the whole batch: they have no slice.) */
SIMDNORM_API simdnorm_status simdnorm_batch_norm_inference_slice(
    simdnorm_context* ctx, const simdnorm_batch_norm_args* args,
    int64_t unit_begin, int64_t unit_end);

/* --------------------------------------------------------------- tuning */

/* The ops, as keys of the tuning table. */
typedef enum simdnorm_op {
  SIMDNORM_OP_LAYER_NORM = 0,
  SIMDNORM_OP_RMS_NORM = 1,
  SIMDNORM_OP_GROUP_NORM = 2,
  SIMDNORM_OP_INSTANCE_NORM = 3,
  SIMDNORM_OP_BATCH_NORM_INFERENCE = 4,
  SIMDNORM_OP_BATCH_NORM_TRAINING = 5
} simdnorm_op;

/* How an op tiles and threads a problem. The context keeps one set per
 * (op, layout, ISA target, shape bucket); a bucket covers unit sizes
 * [4^b, 4^(b+1)), where a unit is what one set of statistics covers:
 * cols for LayerNorm/RMSNorm, (C / groups) * S for GroupNorm, S for
 * InstanceNorm, N * S for BatchNorm. Results are the same for any thread
 * count with fixed parameters; block_elems and chunk_elems change the
 * rounding of the statistics (within the documented tolerances).
 * Accepted ranges (others give SIMDNORM_INVALID_ARGUMENT):
 *   block_elems   [16, 2^24]   values summed in fp32 before a double merge
 *   chunk_elems   [1024, 2^30] fixed reduction chunk, the unit of splitting
 *   task_bytes    [4096, 2^40] bytes read + written per parallel task
 *   inline_bytes  [1, 2^40]    smaller problems run on the caller's thread
 *   split_elems   [1024, 2^40] units this large are split across threads
 *                              when there are fewer units than threads
 *   spatial_tile  [1, 2^20]    positions per tile in channels-last passes
 *   stream_bytes  [4096, 2^50] outputs this large use non-temporal stores,
 *                              and x and y beyond a third of it are read
 *                              ahead (the last-level cache size by default) */
typedef struct simdnorm_tile_params {
  size_t struct_size;
  int64_t block_elems;
  int64_t chunk_elems;
  int64_t task_bytes;
  int64_t inline_bytes;
  int64_t split_elems;
  int64_t spatial_tile;
  int64_t stream_bytes;
  /* Speedup over the defaults measured by simdnorm-tune, in (0, 1e6];
   * stored in tuning files for reporting, never used by the ops. 1 for the
   * defaults. */
  double speedup;
} simdnorm_tile_params;

/* Sets the built-in defaults. */
SIMDNORM_API void simdnorm_tile_params_init(simdnorm_tile_params* params);
/* The parameters ctx uses for op/layout on problems with units of
 * unit_elems (> 0) elements, on ctx's current ISA target: a tuned entry or
 * the defaults. */
SIMDNORM_API simdnorm_status simdnorm_context_get_tile_params(
    const simdnorm_context* ctx, simdnorm_op op, simdnorm_layout layout,
    int64_t unit_elems, simdnorm_tile_params* out);
/* Sets ctx's entry for (op, layout, ctx's current target, bucket of
 * unit_elems); NULL params removes it (the defaults apply again). For
 * tools that tune through the public API; must not race with ops on ctx.
 * A NULL ctx is rejected (the default context is read-only). */
SIMDNORM_API simdnorm_status simdnorm_context_set_tile_params(
    simdnorm_context* ctx, simdnorm_op op, simdnorm_layout layout,
    int64_t unit_elems, const simdnorm_tile_params* params);
/* The two above are the entries of fp32 problems. These take the storage
 * type: a bf16 or fp16 problem uses its own entry, else the fp32 entry of
 * the same key, else the defaults (tuning files: "dtype" of an entry). */
SIMDNORM_API simdnorm_status simdnorm_context_get_dtype_tile_params(
    const simdnorm_context* ctx, simdnorm_op op, simdnorm_layout layout,
    simdnorm_dtype dtype, int64_t unit_elems, simdnorm_tile_params* out);
SIMDNORM_API simdnorm_status simdnorm_context_set_dtype_tile_params(
    simdnorm_context* ctx, simdnorm_op op, simdnorm_layout layout,
    simdnorm_dtype dtype, int64_t unit_elems,
    const simdnorm_tile_params* params);
/* Writes ctx's tuning table (all targets) as a tuning file that
 * simdnorm_context_load_tuning and SIMDNORM_TUNING accept, replacing path
 * atomically. */
SIMDNORM_API simdnorm_status simdnorm_context_save_tuning(
    const simdnorm_context* ctx, const char* path);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SIMDNORM_SIMDNORM_H_ */
