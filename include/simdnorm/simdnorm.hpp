// Header-only C++ wrapper over the simdnorm C API: RAII for contexts and
// exceptions for errors. No logic of its own: every call forwards to
// simdnorm.h.
#ifndef SIMDNORM_SIMDNORM_HPP_
#define SIMDNORM_SIMDNORM_HPP_

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

#include "simdnorm/simdnorm.h"

namespace simdnorm {

class Error : public std::runtime_error {
 public:
  Error(simdnorm_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  simdnorm_status status() const noexcept { return status_; }

 private:
  simdnorm_status status_;
};

// Throws simdnorm::Error with the library's message unless status is OK.
inline void Check(simdnorm_status status) {
  if (status != SIMDNORM_OK) {
    throw Error(status, std::string(simdnorm_status_string(status)) + ": " +
                            simdnorm_last_error());
  }
}

// The eps of every args struct and convenience overload.
constexpr float kDefaultEps = SIMDNORM_DEFAULT_EPS;

inline std::string Version() { return simdnorm_version(); }
inline std::string CompiledTargets() { return simdnorm_compiled_targets(); }
inline std::string SupportedTargets() { return simdnorm_supported_targets(); }
inline std::string BestTarget() { return simdnorm_best_target(); }

// Argument structs, initialized by the library's own init functions.
struct RowNormArgs : simdnorm_row_norm_args {
  RowNormArgs() { simdnorm_row_norm_args_init(this); }
};
struct GroupNormArgs : simdnorm_group_norm_args {
  GroupNormArgs() { simdnorm_group_norm_args_init(this); }
};
struct InstanceNormArgs : simdnorm_instance_norm_args {
  InstanceNormArgs() { simdnorm_instance_norm_args_init(this); }
};
struct BatchNormArgs : simdnorm_batch_norm_args {
  BatchNormArgs() { simdnorm_batch_norm_args_init(this); }
};
struct TileParams : simdnorm_tile_params {
  TileParams() { simdnorm_tile_params_init(this); }  // the defaults
};

// Owns a simdnorm_context. A default-constructed Context uses all cores and
// the best target; get() may be passed to any C function. A Context moved
// from holds none: using it throws (it never falls back to the default
// context).
class Context {
 public:
  Context() { Check(simdnorm_context_create(&ctx_)); }
  explicit Context(int threads, const char* target = "best") : Context() {
    set_threads(threads);
    set_target(target);
  }
  ~Context() { simdnorm_context_destroy(ctx_); }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  Context(Context&& other) noexcept : ctx_(std::exchange(other.ctx_, nullptr)) {}
  Context& operator=(Context&& other) noexcept {
    if (this != &other) {
      simdnorm_context_destroy(ctx_);
      ctx_ = std::exchange(other.ctx_, nullptr);
    }
    return *this;
  }

  void set_threads(int threads) {
    Check(simdnorm_context_set_threads(get(), threads));
  }
  int threads() const { return simdnorm_context_threads(get()); }
  void set_target(const char* target) {
    Check(simdnorm_context_set_target(get(), target));
  }
  std::string target() const { return simdnorm_context_target(get()); }
  // The runtime's thread pool instead of oneTBB (contract in simdnorm.h).
  void set_parallel_runner(simdnorm_parallel_runner runner, void* user_data,
                           int max_concurrency) {
    Check(simdnorm_context_set_parallel_runner(get(), runner, user_data,
                                               max_concurrency));
  }
  // oneTBB again, with the thread count set before.
  void clear_parallel_runner() {
    Check(simdnorm_context_set_parallel_runner(get(), nullptr, nullptr, 0));
  }
  void load_tuning(const char* path) {
    Check(simdnorm_context_load_tuning(get(), path));
  }
  void load_tuning_from_memory(const char* data, size_t size) {
    Check(simdnorm_context_load_tuning_from_memory(get(), data, size));
  }
  void load_tuning_from_memory(const std::string& text) {
    load_tuning_from_memory(text.data(), text.size());
  }
  std::string tuning_warnings() const {
    return simdnorm_context_tuning_warnings(get());
  }
  std::string warnings() const { return simdnorm_context_warnings(get()); }
  // Tile parameters for op/layout and units of unit_elems elements on the
  // current target (tuned entry or defaults); see simdnorm_tile_params.
  TileParams tile_params(simdnorm_op op, simdnorm_layout layout,
                         int64_t unit_elems) const {
    TileParams params;
    Check(simdnorm_context_get_tile_params(get(), op, layout, unit_elems,
                                           &params));
    return params;
  }
  // nullptr removes the entry (defaults apply again).
  void set_tile_params(simdnorm_op op, simdnorm_layout layout,
                       int64_t unit_elems,
                       const simdnorm_tile_params* params) {
    Check(simdnorm_context_set_tile_params(get(), op, layout, unit_elems,
                                           params));
  }
  // The same for problems of storage type dtype (bf16 and fp16 fall back
  // to the fp32 entry).
  TileParams tile_params(simdnorm_op op, simdnorm_layout layout,
                         simdnorm_dtype dtype, int64_t unit_elems) const {
    TileParams params;
    Check(simdnorm_context_get_dtype_tile_params(get(), op, layout, dtype,
                                                 unit_elems, &params));
    return params;
  }
  void set_tile_params(simdnorm_op op, simdnorm_layout layout,
                       simdnorm_dtype dtype, int64_t unit_elems,
                       const simdnorm_tile_params* params) {
    Check(simdnorm_context_set_dtype_tile_params(get(), op, layout, dtype,
                                                 unit_elems, params));
  }
  void save_tuning(const char* path) const {
    Check(simdnorm_context_save_tuning(get(), path));
  }
  // The C handle; throws if this Context was moved from.
  simdnorm_context* get() const {
    if (ctx_ == nullptr) {
      throw Error(SIMDNORM_INVALID_ARGUMENT,
                  "simdnorm::Context: used after being moved from");
    }
    return ctx_;
  }

 private:
  simdnorm_context* ctx_ = nullptr;
};

// The C context of an optional Context (null: the process default).
inline simdnorm_context* ContextOf(const Context* ctx) {
  return ctx ? ctx->get() : nullptr;
}

// Convenience for the common dense fp32 case: y[rows, cols] =
// LayerNorm(x) with optional gamma/beta (nullptr = 1 / 0).
inline void LayerNorm(const float* x, float* y, int64_t rows, int64_t cols,
                      const float* gamma = nullptr, const float* beta = nullptr,
                      float eps = kDefaultEps, const Context* ctx = nullptr) {
  RowNormArgs args;
  args.rows = rows;
  args.cols = cols;
  args.x = x;
  args.y = y;
  args.gamma = gamma;
  args.beta = beta;
  args.eps = eps;
  Check(simdnorm_layer_norm(ContextOf(ctx), &args));
}

inline void RmsNorm(const float* x, float* y, int64_t rows, int64_t cols,
                    const float* gamma = nullptr, float eps = kDefaultEps,
                    const Context* ctx = nullptr) {
  RowNormArgs args;
  args.rows = rows;
  args.cols = cols;
  args.x = x;
  args.y = y;
  args.gamma = gamma;
  args.eps = eps;
  Check(simdnorm_rms_norm(ContextOf(ctx), &args));
}

// Full-argument forms.
inline void LayerNorm(const RowNormArgs& args, const Context* ctx = nullptr) {
  Check(simdnorm_layer_norm(ContextOf(ctx), &args));
}
inline void RmsNorm(const RowNormArgs& args, const Context* ctx = nullptr) {
  Check(simdnorm_rms_norm(ContextOf(ctx), &args));
}
inline void GroupNorm(const GroupNormArgs& args, const Context* ctx = nullptr) {
  Check(simdnorm_group_norm(ContextOf(ctx), &args));
}
// Takes InstanceNormArgs, or GroupNormArgs (whose groups it ignores).
inline void InstanceNorm(const simdnorm_instance_norm_args& args,
                         const Context* ctx = nullptr) {
  Check(simdnorm_instance_norm(ContextOf(ctx), &args));
}
inline void BatchNormInference(const BatchNormArgs& args,
                               const Context* ctx = nullptr) {
  Check(simdnorm_batch_norm_inference(ContextOf(ctx), &args));
}
inline void BatchNormTraining(const BatchNormArgs& args,
                              const Context* ctx = nullptr) {
  Check(simdnorm_batch_norm_training(ContextOf(ctx), &args));
}

}  // namespace simdnorm

#endif  // SIMDNORM_SIMDNORM_HPP_
