// The simdnorm operator library: schemas of every op (TORCH_LIBRARY), the
// CPU kernels being registered next to their code (row_norm.cc,
// group_norm.cc, batch_norm.cc). Float32 for now; the ops have no backward
// and raise if asked to track gradients.
#include <torch/library.h>

#include <sstream>
#include <string>

#include "simdnorm/simdnorm.h"

namespace {

// "simdnorm 0.1.0, target AVX3 (compiled: AVX3,AVX2,...)": which build and
// ISA the ops run on.
std::string Info() {
  std::ostringstream s;
  s << "simdnorm " << simdnorm_version() << ", target "
    << simdnorm_best_target() << " (compiled: "
    << simdnorm_compiled_targets() << ")";
  return s.str();
}

}  // namespace

TORCH_LIBRARY(simdnorm, m) {
  // LayerNorm / RMSNorm over the trailing normalized_shape dims. With a
  // residual and/or residual_bias, s = input + residual + residual_bias is
  // normalized; the *_residual forms return (y, s).
  m.def(
      "layer_norm(Tensor input, int[] normalized_shape, Tensor? weight=None, "
      "Tensor? bias=None, float eps=1e-05, Tensor? residual=None, "
      "Tensor? residual_bias=None) -> Tensor");
  m.def(
      "layer_norm_residual(Tensor input, int[] normalized_shape, "
      "Tensor? weight=None, Tensor? bias=None, float eps=1e-05, "
      "Tensor? residual=None, Tensor? residual_bias=None) "
      "-> (Tensor, Tensor)");
  m.def(
      "rms_norm(Tensor input, int[] normalized_shape, Tensor? weight=None, "
      "float eps=1e-05, Tensor? residual=None, Tensor? residual_bias=None) "
      "-> Tensor");
  m.def(
      "rms_norm_residual(Tensor input, int[] normalized_shape, "
      "Tensor? weight=None, float eps=1e-05, Tensor? residual=None, "
      "Tensor? residual_bias=None) -> (Tensor, Tensor)");
  // (N, C, *) inputs, contiguous or channels-last; the output keeps the
  // input's memory format. activation: none, relu, silu, gelu, gelu_tanh.
  m.def(
      "group_norm(Tensor input, int num_groups, Tensor? weight=None, "
      "Tensor? bias=None, float eps=1e-05, str activation='none') -> Tensor");
  m.def(
      "instance_norm(Tensor input, Tensor? weight=None, Tensor? bias=None, "
      "float eps=1e-05, str activation='none') -> Tensor");
  // training=False: running statistics. training=True: batch statistics,
  // and running_mean / running_var (if given) updated in place.
  m.def(
      "batch_norm(Tensor input, Tensor(a!)? running_mean, "
      "Tensor(b!)? running_var, Tensor? weight=None, Tensor? bias=None, "
      "bool training=False, float momentum=0.1, float eps=1e-05, "
      "str activation='none') -> Tensor");
  m.def("info() -> str", &Info);
}
