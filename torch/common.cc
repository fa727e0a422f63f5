#include "common.h"

#include <ATen/ATen.h>
#include <ATen/Config.h>
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <sstream>
#include <vector>

#if AT_PARALLEL_OPENMP && !defined(_OPENMP)
#error "ATen uses OpenMP: compile with OpenMP, or at::parallel_for runs serially"
#endif

namespace simdnorm_torch {

simdnorm_dtype DtypeOf(const char* op, at::ScalarType type) {
  switch (type) {
    case at::kFloat:
      return SIMDNORM_F32;
    case at::kBFloat16:
      return SIMDNORM_BF16;
    case at::kHalf:
      return SIMDNORM_F16;
    default:
      break;
  }
  TORCH_CHECK_TYPE(false, op, ": dtype ", type,
                   " is not supported (float32, bfloat16, float16)");
  return SIMDNORM_F32;  // not reached
}

void CheckStatus(const char* op, simdnorm_status status) {
  TORCH_CHECK(status == SIMDNORM_OK, op, ": ",
              simdnorm_status_string(status), ": ", simdnorm_last_error());
}

namespace {

// Runs simdnorm's tasks on PyTorch's intra-op pool. at::parallel_for hands
// each pool thread a contiguous range of task indices (and runs them on the
// calling thread inside a parallel region); simdnorm's tasks never throw.
void AtenRunner(void* /*user_data*/, int64_t task_count,
                simdnorm_task_fn task_fn, void* task_ctx) {
  at::parallel_for(0, task_count, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) task_fn(task_ctx, i);
  });
}

// Index = max_concurrency. Zero-initialized (static storage); an entry,
// once set, never changes.
std::atomic<simdnorm_context*> g_contexts[SIMDNORM_MAX_THREADS + 1];
std::mutex g_contexts_mutex;

simdnorm_context* CreateContext(const char* op, int threads) {
  simdnorm_context* ctx = nullptr;
  CheckStatus(op, simdnorm_context_create(&ctx));
  const simdnorm_status status =
      threads == 1 ? simdnorm_context_set_threads(ctx, 1)
                   : simdnorm_context_set_parallel_runner(ctx, &AtenRunner,
                                                          nullptr, threads);
  if (status != SIMDNORM_OK) {
    const std::string message = simdnorm_last_error();
    simdnorm_context_destroy(ctx);
    TORCH_CHECK(false, op, ": cannot set up a context for ", threads,
                " threads: ", message);
  }
  return ctx;
}

}  // namespace

simdnorm_context* CurrentContext(const char* op) {
  const int threads =
      std::clamp(at::get_num_threads(), 1, SIMDNORM_MAX_THREADS);
  simdnorm_context* ctx = g_contexts[threads].load(std::memory_order_acquire);
  if (ctx != nullptr) return ctx;
  std::lock_guard<std::mutex> lock(g_contexts_mutex);
  ctx = g_contexts[threads].load(std::memory_order_relaxed);
  if (ctx == nullptr) {
    ctx = CreateContext(op, threads);
    g_contexts[threads].store(ctx, std::memory_order_release);
  }
  return ctx;
}

namespace {

void CheckNoGrad(const char* op, const char* name, const at::Tensor& t) {
  TORCH_CHECK(!(t.requires_grad() && c10::GradMode::is_enabled()), op,
              ": ", name,
              " requires grad, and this op has no backward: call it under "
              "torch.no_grad() or torch.inference_mode(), or use the torch "
              "function when gradients are needed");
}

}  // namespace

void CheckInput(const char* op, const at::Tensor& x) {
  TORCH_CHECK(x.defined(), op, ": input is undefined");
  TORCH_CHECK_TYPE(x.device().is_cpu(), op,
                   ": input must be a CPU tensor, got one on ", x.device());
  TORCH_CHECK_TYPE(x.layout() == at::kStrided, op,
                   ": input must be a strided (dense) tensor");
  DtypeOf(op, x.scalar_type());
  CheckNoGrad(op, "input", x);
}

void CheckOperand(const char* op, const char* name, const at::Tensor& t,
                  at::ScalarType dtype) {
  TORCH_CHECK_TYPE(t.device().is_cpu() && t.layout() == at::kStrided, op,
                   ": ", name, " must be a dense CPU tensor");
  TORCH_CHECK_TYPE(t.scalar_type() == dtype, op, ": ", name, " has dtype ",
                   t.scalar_type(), ", expected ", dtype);
  CheckNoGrad(op, name, t);
}

at::Tensor DenseOperand(const char* op, const char* name,
                        const c10::optional<at::Tensor>& t,
                        at::ScalarType dtype, at::IntArrayRef shape) {
  if (!t.has_value() || !t->defined()) return at::Tensor();
  CheckOperand(op, name, *t, dtype);
  TORCH_CHECK(t->sizes().equals(shape), op, ": ", name, " has shape ",
              ShapeString(t->sizes()), ", expected ", ShapeString(shape));
  return t->contiguous();
}

at::ScalarType ParamType(const char* op, const at::Tensor& input,
                         const c10::optional<at::Tensor>& weight,
                         const c10::optional<at::Tensor>& bias) {
  const bool has_w = weight.has_value() && weight->defined();
  const bool has_b = bias.has_value() && bias->defined();
  const at::ScalarType type = has_w   ? weight->scalar_type()
                              : has_b ? bias->scalar_type()
                                      : input.scalar_type();
  TORCH_CHECK_TYPE(type == input.scalar_type() || type == at::kFloat, op,
                   ": weight and bias must have the input's dtype (",
                   input.scalar_type(), ") or float32, got ", type);
  return type;
}

const void* DataOrNull(const at::Tensor& t) {
  return t.defined() ? t.data_ptr() : nullptr;
}

namespace {

// Whether dims [first, last) of t, skipping those of size 1, are laid out
// densely in that order with the innermost one `inner` elements apart.
bool DenseRun(const at::Tensor& t, int64_t first, int64_t last,
              int64_t inner) {
  int64_t expected = inner;
  for (int64_t d = last - 1; d >= first; --d) {
    if (t.size(d) == 1) continue;
    if (t.stride(d) != expected) return false;
    expected *= t.size(d);
  }
  return true;
}

}  // namespace

RowView AsRows(const at::Tensor& x, int64_t normalized_dims, int64_t cols) {
  const int64_t dim = x.dim();
  const int64_t lead = dim - normalized_dims;
  RowView v;
  v.rows = 1;
  for (int64_t d = 0; d < lead; ++d) v.rows *= x.size(d);
  if (DenseRun(x, lead, dim, 1)) {
    // The leading dims collapse into one evenly spaced row index if they
    // are nested in order; their innermost (non-trivial) stride is the
    // row stride.
    int64_t stride = cols;
    int64_t inner = lead - 1;
    while (inner >= 0 && x.size(inner) == 1) --inner;
    if (inner >= 0) stride = x.stride(inner);
    if (stride >= cols && (inner < 0 || DenseRun(x, 0, inner + 1, stride))) {
      v.tensor = x;
      v.stride = stride;
      return v;
    }
  }
  v.tensor = x.contiguous();
  v.stride = cols;
  return v;
}

namespace {

// Sample-dense layout of x if it has one: NCHW (C, S dense per sample) or
// NHWC (S, C dense per sample).
bool SampleDense(const at::Tensor& x, simdnorm_layout layout) {
  const int64_t dim = x.dim();
  if (layout == SIMDNORM_NCHW) return DenseRun(x, 1, dim, 1);
  return (x.size(1) == 1 || x.stride(1) == 1) &&
         DenseRun(x, 2, dim, x.size(1));
}

bool PrefersChannelsLast(const at::Tensor& x) {
  if (x.dim() < 3) return false;
  if (x.dim() == 4 || x.dim() == 5) {
    return x.suggest_memory_format() != at::MemoryFormat::Contiguous;
  }
  // (N, C, L): channels last when C is the faster dim.
  return x.stride(1) < x.stride(2);
}

}  // namespace

ChannelView AsChannels(const at::Tensor& x) {
  ChannelView v;
  v.batch = x.size(0);
  v.channels = x.size(1);
  for (int64_t d = 2; d < x.dim(); ++d) v.spatial *= x.size(d);
  const int64_t sample = v.channels * v.spatial;
  const bool nchw = SampleDense(x, SIMDNORM_NCHW);
  const bool nhwc = SampleDense(x, SIMDNORM_NHWC);
  const bool batch_ok = v.batch <= 1 || x.stride(0) >= sample;
  if ((nchw || nhwc) && batch_ok) {
    // Both hold when C or S is 1: the same memory either way; keep the
    // input's own memory format for the output.
    v.layout = nhwc && (!nchw || PrefersChannelsLast(x)) ? SIMDNORM_NHWC
                                                         : SIMDNORM_NCHW;
    v.tensor = x;
    v.batch_stride = v.batch <= 1 ? sample : x.stride(0);
    return v;
  }
  const bool channels_last = PrefersChannelsLast(x);
  if (channels_last && (x.dim() == 4 || x.dim() == 5)) {
    v.tensor = x.contiguous(x.dim() == 4 ? at::MemoryFormat::ChannelsLast
                                         : at::MemoryFormat::ChannelsLast3d);
  } else if (channels_last) {
    // (N, C, L) with C faster: dense (N, L, C), seen as (N, C, L).
    v.tensor = x.transpose(1, 2).contiguous().transpose(1, 2);
  } else {
    v.tensor = x.contiguous();
  }
  v.layout = channels_last ? SIMDNORM_NHWC : SIMDNORM_NCHW;
  v.batch_stride = sample;
  return v;
}

at::Tensor EmptyInLayout(const at::Tensor& x, simdnorm_layout layout) {
  if (layout == SIMDNORM_NCHW || x.dim() < 3) {
    return at::empty(x.sizes(), x.options(), at::MemoryFormat::Contiguous);
  }
  const int64_t dim = x.dim();
  std::vector<int64_t> strides(dim);
  int64_t running = x.size(1);
  strides[1] = 1;
  for (int64_t d = dim - 1; d >= 2; --d) {
    strides[d] = running;
    running *= x.size(d);
  }
  strides[0] = running;
  return at::empty_strided(x.sizes(), strides, x.options());
}

simdnorm_activation ParseActivation(const char* op, c10::string_view name) {
  if (name == "none") return SIMDNORM_ACT_NONE;
  if (name == "relu") return SIMDNORM_ACT_RELU;
  if (name == "silu") return SIMDNORM_ACT_SILU;
  if (name == "gelu") return SIMDNORM_ACT_GELU_ERF;
  if (name == "gelu_tanh") return SIMDNORM_ACT_GELU_TANH;
  TORCH_CHECK_VALUE(false, op, ": unknown activation '", std::string(name),
                    "' (none, relu, silu, gelu, gelu_tanh)");
  return SIMDNORM_ACT_NONE;  // not reached
}

std::string ShapeString(at::IntArrayRef shape) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < shape.size(); ++i) {
    s << (i ? ", " : "") << shape[i];
  }
  s << ']';
  return s.str();
}

}  // namespace simdnorm_torch
