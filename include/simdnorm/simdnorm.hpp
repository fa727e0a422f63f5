// Header-only C++ wrapper over the simdnorm C API: RAII for contexts and
// exceptions for errors. No logic of its own: every call forwards to
// simdnorm.h.
#ifndef SIMDNORM_SIMDNORM_HPP_
#define SIMDNORM_SIMDNORM_HPP_

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

inline std::string Version() { return simdnorm_version(); }
inline std::string CompiledTargets() { return simdnorm_compiled_targets(); }
inline std::string SupportedTargets() { return simdnorm_supported_targets(); }
inline std::string BestTarget() { return simdnorm_best_target(); }

// Owns a simdnorm_context. A default-constructed Context uses all cores and
// the best target; get() may be passed to any C function.
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
    std::swap(ctx_, other.ctx_);
    return *this;
  }

  void set_threads(int threads) {
    Check(simdnorm_context_set_threads(ctx_, threads));
  }
  int threads() const { return simdnorm_context_threads(ctx_); }
  void set_target(const char* target) {
    Check(simdnorm_context_set_target(ctx_, target));
  }
  std::string target() const { return simdnorm_context_target(ctx_); }
  void load_tuning(const char* path) {
    Check(simdnorm_context_load_tuning(ctx_, path));
  }
  std::string tuning_warnings() const {
    return simdnorm_context_tuning_warnings(ctx_);
  }
  // Tile parameters for op/layout and units of unit_elems elements on the
  // current target (tuned entry or defaults); see simdnorm_tile_params.
  simdnorm_tile_params tile_params(simdnorm_op op, simdnorm_layout layout,
                                   int64_t unit_elems) const {
    simdnorm_tile_params params;
    simdnorm_tile_params_init(&params);
    Check(simdnorm_context_get_tile_params(ctx_, op, layout, unit_elems,
                                           &params));
    return params;
  }
  // nullptr removes the entry (defaults apply again).
  void set_tile_params(simdnorm_op op, simdnorm_layout layout,
                       int64_t unit_elems,
                       const simdnorm_tile_params* params) {
    Check(simdnorm_context_set_tile_params(ctx_, op, layout, unit_elems,
                                           params));
  }
  void save_tuning(const char* path) const {
    Check(simdnorm_context_save_tuning(ctx_, path));
  }
  simdnorm_context* get() const noexcept { return ctx_; }

 private:
  simdnorm_context* ctx_ = nullptr;
};

// Argument structs, initialized by the library's own init functions.
struct RowNormArgs : simdnorm_row_norm_args {
  RowNormArgs() { simdnorm_row_norm_args_init(this); }
};
struct GroupNormArgs : simdnorm_group_norm_args {
  GroupNormArgs() { simdnorm_group_norm_args_init(this); }
};
struct BatchNormArgs : simdnorm_batch_norm_args {
  BatchNormArgs() { simdnorm_batch_norm_args_init(this); }
};
struct TileParams : simdnorm_tile_params {
  TileParams() { simdnorm_tile_params_init(this); }  // the defaults
};

// Convenience for the common dense fp32 case: y[rows, cols] =
// LayerNorm(x) with optional gamma/beta (nullptr = 1 / 0).
inline void LayerNorm(const float* x, float* y, int64_t rows, int64_t cols,
                      const float* gamma = nullptr,
                      const float* beta = nullptr, float eps = 1e-5f,
                      const Context* ctx = nullptr) {
  RowNormArgs args;
  args.rows = rows;
  args.cols = cols;
  args.x = x;
  args.y = y;
  args.gamma = gamma;
  args.beta = beta;
  args.eps = eps;
  Check(simdnorm_layer_norm(ctx ? ctx->get() : nullptr, &args));
}

inline void RmsNorm(const float* x, float* y, int64_t rows, int64_t cols,
                    const float* gamma = nullptr, float eps = 1e-6f,
                    const Context* ctx = nullptr) {
  RowNormArgs args;
  args.rows = rows;
  args.cols = cols;
  args.x = x;
  args.y = y;
  args.gamma = gamma;
  args.eps = eps;
  Check(simdnorm_rms_norm(ctx ? ctx->get() : nullptr, &args));
}

// Full-argument forms.
inline void LayerNorm(const RowNormArgs& args, const Context* ctx = nullptr) {
  Check(simdnorm_layer_norm(ctx ? ctx->get() : nullptr, &args));
}
inline void RmsNorm(const RowNormArgs& args, const Context* ctx = nullptr) {
  Check(simdnorm_rms_norm(ctx ? ctx->get() : nullptr, &args));
}
inline void GroupNorm(const GroupNormArgs& args, const Context* ctx = nullptr) {
  Check(simdnorm_group_norm(ctx ? ctx->get() : nullptr, &args));
}
inline void InstanceNorm(const GroupNormArgs& args,
                         const Context* ctx = nullptr) {
  Check(simdnorm_instance_norm(ctx ? ctx->get() : nullptr, &args));
}
inline void BatchNormInference(const BatchNormArgs& args,
                               const Context* ctx = nullptr) {
  Check(simdnorm_batch_norm_inference(ctx ? ctx->get() : nullptr, &args));
}
inline void BatchNormTraining(const BatchNormArgs& args,
                              const Context* ctx = nullptr) {
  Check(simdnorm_batch_norm_training(ctx ? ctx->get() : nullptr, &args));
}

}  // namespace simdnorm

#endif  // SIMDNORM_SIMDNORM_HPP_
