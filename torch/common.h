// Shared pieces of the PyTorch operator library: tensors onto the C API's
// args (dtype, rows, channel layouts), argument checks that raise Python
// exceptions through TORCH_CHECK, and the simdnorm contexts that run on
// PyTorch's intra-op thread pool.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/util/Optional.h>

#include <cstdint>
#include <string>

#include "simdnorm/simdnorm.h"

namespace simdnorm_torch {

// The C API dtype of x's scalar type (float32, bfloat16, float16). Raises
// (TypeError) for others; a new one is one case in common.cc. Which ops
// take which dtype is the C API's to say (its error is raised as is).
simdnorm_dtype DtypeOf(const char* op, at::ScalarType type);

// Raises with the library's message unless status is SIMDNORM_OK.
void CheckStatus(const char* op, simdnorm_status status);

// The context for the current at::get_num_threads(): one per thread count,
// created on first use and kept for the life of the process (so a context
// is never reconfigured while ops run on it). With more than one thread
// its tasks run on PyTorch's intra-op pool (at::parallel_for); with one,
// on the calling thread.
simdnorm_context* CurrentContext(const char* op);

// Checks the main input: a CPU tensor of a mapped dtype, with no
// gradient to track (these ops have no backward).
void CheckInput(const char* op, const at::Tensor& x);

// Checks another operand: a dense CPU tensor of the given dtype (the
// input's, or the parameters') with no gradient to track.
void CheckOperand(const char* op, const char* name, const at::Tensor& t,
                  at::ScalarType dtype);

// An optional per-element operand (weight, bias, residual, ...): checks
// that it is a CPU tensor of the given dtype and shape with no gradient to
// track; returns it contiguous (undefined if absent).
at::Tensor DenseOperand(const char* op, const char* name,
                        const c10::optional<at::Tensor>& t,
                        at::ScalarType dtype, at::IntArrayRef shape);

// The dtype of weight and bias: the input's (as a bf16 or fp16 module
// keeps them) or float32 (a float32 module applied to 16-bit activations),
// both the same; the input's when neither is given.
at::ScalarType ParamType(const char* op, const at::Tensor& input,
                         const c10::optional<at::Tensor>& weight,
                         const c10::optional<at::Tensor>& bias);

// data_ptr() of a defined tensor, nullptr for an undefined one.
const void* DataOrNull(const at::Tensor& t);

// A tensor seen as rows[rows, cols] whose last `normalized_dims` dims are
// one dense row and whose rows are evenly spaced (stride elements apart).
// `tensor` is the input itself when it can be described so, else a
// contiguous copy.
struct RowView {
  at::Tensor tensor;
  int64_t rows = 0;
  int64_t stride = 0;
};
RowView AsRows(const at::Tensor& x, int64_t normalized_dims, int64_t cols);

// An (N, C, *) tensor seen as the C API's [N, C, S] (NCHW) or [N, S, C]
// (NHWC) with samples batch_stride elements apart. `tensor` is the input
// itself when each sample is dense in one of the two layouts, else a copy
// in its suggested memory format.
struct ChannelView {
  at::Tensor tensor;
  simdnorm_layout layout = SIMDNORM_NCHW;
  int64_t batch = 0;
  int64_t channels = 0;
  int64_t spatial = 1;
  int64_t batch_stride = 0;
};
ChannelView AsChannels(const at::Tensor& x);

// A new dense tensor of x's sizes in the view's layout: contiguous for
// NCHW, channels-last strides (C innermost) for NHWC, for any number of
// spatial dims. So the output keeps the input's memory format.
at::Tensor EmptyInLayout(const at::Tensor& x, simdnorm_layout layout);

// "none", "relu", "silu", "gelu" (erf), "gelu_tanh".
simdnorm_activation ParseActivation(const char* op, c10::string_view name);

// "[2, 3, 4]".
std::string ShapeString(at::IntArrayRef shape);

}  // namespace simdnorm_torch
