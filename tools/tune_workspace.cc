#include "tune_workspace.h"

#include <algorithm>

namespace simdnorm_tune {

int64_t Workspace::BytesNeeded(const TuneCase& c) {
  return c.Elements() * (8 + (c.dtype == SIMDNORM_F32 ? 0 : 2)) +
         c.channels * 16;
}

template <class T>
Workspace::BufferOf<T> Workspace::Allocate(int64_t count) {
  // 64-byte aligned like a runtime's tensors, so that stores may stream.
  const size_t bytes =
      (static_cast<size_t>(std::max<int64_t>(count, 1)) * sizeof(T) + 63) /
      64 * 64;
  return BufferOf<T>(static_cast<T*>(std::aligned_alloc(64, bytes)));
}

bool Workspace::Reserve(const std::vector<TuneCase>& cases) {
  int64_t elements = 0, elements16 = 0, channels = 0;
  for (const TuneCase& c : cases) {
    elements = std::max(elements, c.Elements());
    if (c.dtype != SIMDNORM_F32) {
      elements16 = std::max(elements16, c.Elements());
    }
    channels = std::max(channels, c.channels);
  }
  if (elements <= elements_ && elements16 <= elements16_ &&
      channels <= channels_) {
    return true;
  }
  x_.reset();
  y_.reset();
  x16_.reset();
  x_ = Allocate<float>(elements);
  y_ = Allocate<float>(elements);
  x16_ = Allocate<uint16_t>(elements16);
  x16_dtype_ = SIMDNORM_F32;
  gamma_ = Allocate<float>(channels);
  beta_ = Allocate<float>(channels);
  running_mean_ = Allocate<float>(channels);
  running_var_ = Allocate<float>(channels);
  if (!x_ || !y_ || !x16_ || !gamma_ || !beta_ || !running_mean_ ||
      !running_var_) {
    elements_ = elements16_ = channels_ = 0;
    return false;
  }
  // Activation-like data: offset, unit-ish spread, no denormals. A cheap
  // generator: its values do not matter for speed, only that they vary.
  uint32_t state = 12345;
  for (int64_t i = 0; i < elements; ++i) {
    state = state * 1664525u + 1013904223u;
    x_[i] = 0.5f + static_cast<float>(state >> 8) * (1.0f / 16777216.0f);
  }
  std::fill(y_.get(), y_.get() + elements, 0.0f);  // commit the pages now
  for (int64_t i = 0; i < channels; ++i) {
    gamma_[i] = 1.0f + 0.001f * static_cast<float>(i % 7);
    beta_[i] = 0.01f * static_cast<float>(i % 5);
    running_mean_[i] = 0.5f;
    running_var_[i] = 1.0f;
  }
  elements_ = elements;
  elements16_ = elements16;
  channels_ = channels;
  return true;
}

const uint16_t* Workspace::X16(const TuneCase& c) {
  if (x16_dtype_ != c.dtype) {
    // Exponent of 0.5 and a varying mantissa: bf16 0x3F00..0x3FFF, fp16
    // 0x3800..0x3FFF.
    const uint16_t base = c.dtype == SIMDNORM_BF16 ? 0x3F00 : 0x3800;
    const uint16_t mask = c.dtype == SIMDNORM_BF16 ? 0xFF : 0x7FF;
    uint32_t state = 12345;
    for (int64_t i = 0; i < elements16_; ++i) {
      state = state * 1664525u + 1013904223u;
      x16_[i] = static_cast<uint16_t>(base | ((state >> 8) & mask));
    }
    x16_dtype_ = c.dtype;
  }
  return x16_.get();
}

simdnorm_status Workspace::Run(simdnorm_context* ctx, const TuneCase& c) {
  const void* x = c.dtype == SIMDNORM_F32
                      ? static_cast<const void*>(x_.get())
                      : static_cast<const void*>(X16(c));
  if (c.IsRowNorm()) {
    simdnorm_row_norm_args args;
    simdnorm_row_norm_args_init(&args);
    args.rows = c.batch;
    args.cols = c.channels;
    args.dtype = c.dtype;
    args.x = x;
    args.y = y_.get();
    args.gamma = gamma_.get();
    if (c.op == SIMDNORM_OP_LAYER_NORM) {
      args.beta = beta_.get();
      return simdnorm_layer_norm(ctx, &args);
    }
    return simdnorm_rms_norm(ctx, &args);
  }
  if (c.op == SIMDNORM_OP_GROUP_NORM || c.op == SIMDNORM_OP_INSTANCE_NORM) {
    simdnorm_group_norm_args args;
    simdnorm_group_norm_args_init(&args);
    args.layout = c.layout;
    args.batch = c.batch;
    args.channels = c.channels;
    args.spatial = c.spatial;
    args.groups = c.op == SIMDNORM_OP_INSTANCE_NORM ? c.channels : c.groups;
    args.dtype = c.dtype;
    args.x = x;
    args.y = y_.get();
    args.gamma = gamma_.get();
    args.beta = beta_.get();
    return c.op == SIMDNORM_OP_GROUP_NORM ? simdnorm_group_norm(ctx, &args)
                                          : simdnorm_instance_norm(ctx, &args);
  }
  simdnorm_batch_norm_args args;
  simdnorm_batch_norm_args_init(&args);
  args.layout = c.layout;
  args.batch = c.batch;
  args.channels = c.channels;
  args.spatial = c.spatial;
  args.dtype = c.dtype;
  args.x = x;
  args.y = y_.get();
  args.gamma = gamma_.get();
  args.beta = beta_.get();
  args.running_mean = running_mean_.get();
  args.running_var = running_var_.get();
  // Running stats stay fixed so that every timed call does the same work.
  args.update_running_stats = 0;
  return c.op == SIMDNORM_OP_BATCH_NORM_INFERENCE
             ? simdnorm_batch_norm_inference(ctx, &args)
             : simdnorm_batch_norm_training(ctx, &args);
}

}  // namespace simdnorm_tune
