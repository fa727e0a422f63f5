// oneDNN as a peer: its layer and batch normalization primitives, created
// once per case and executed in the timed loop. oneDNN threads through
// OpenMP in Debian's build, so the thread count is set per call.
#include "peers.h"

#if SIMDNORM_BENCH_HAVE_DNNL
#include <omp.h>

#include <memory>
#include <unordered_map>

#include "oneapi/dnnl/dnnl.hpp"
#endif

namespace simdnorm_bench {

#if SIMDNORM_BENCH_HAVE_DNNL

bool HaveDnnl() { return true; }

namespace {

dnnl::engine& Engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// One in-order stream for every call: creating one per call would add its
// cost to the small cases.
dnnl::stream& Stream() {
  static dnnl::stream stream(Engine());
  return stream;
}

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

dnnl::memory Wrap(const dnnl::memory::desc& md, const void* p) {
  return dnnl::memory(md, Engine(), const_cast<void*>(p));
}

struct Executable {
  dnnl::primitive primitive;
  std::unordered_map<int, dnnl::memory> args;
  std::unique_ptr<float[]> scratch_stats;  // batch mean/var outputs
};

Runner Bind(std::shared_ptr<Executable> e, int threads) {
  return [e, threads] {
    omp_set_num_threads(threads);
    e->primitive.execute(Stream(), e->args);
    Stream().wait();
  };
}

}  // namespace

Runner MakeDnnlRunner(const Problem& p, int threads, std::string* why) {
  const auto flags_affine = dnnl::normalization_flags::use_scale |
                            dnnl::normalization_flags::use_shift;
  // oneDNN sizes its work split by the OpenMP thread count when the
  // primitive is created: set it first.
  omp_set_num_threads(threads);
  auto e = std::make_shared<Executable>();
  const dnnl::memory::desc vec({p.channels}, dt::f32, tag::a);
  try {
    const dt type = p.dtype == SIMDNORM_BF16   ? dt::bf16
                    : p.dtype == SIMDNORM_F16 ? dt::f16
                                              : dt::f32;
    if (p.dtype != SIMDNORM_F32 && p.op != Op::kLayerNorm &&
        p.op != Op::kBatchNormInference && p.op != Op::kBatchNormTraining) {
      *why = "16-bit storage is benchmarked for LayerNorm and BatchNorm only";
      return {};
    }
    if (p.op == Op::kLayerNorm) {
      const dnnl::memory::desc data({p.batch, p.channels}, type, tag::ab);
      dnnl::layer_normalization_forward::desc d(
          dnnl::prop_kind::forward_inference, data, p.eps, flags_affine);
      dnnl::layer_normalization_forward::primitive_desc pd(d, Engine());
      e->primitive = dnnl::layer_normalization_forward(pd);
      e->args = {{DNNL_ARG_SRC, Wrap(data, p.x)},
                 {DNNL_ARG_DST, Wrap(data, p.y)},
                 {DNNL_ARG_SCALE, Wrap(vec, p.gamma)},
                 {DNNL_ARG_SHIFT, Wrap(vec, p.beta)}};
      return Bind(e, threads);
    }
    if (p.op == Op::kBatchNormInference || p.op == Op::kBatchNormTraining) {
      if (p.channels_last) {
        *why = "channels-last BatchNorm is not benchmarked against oneDNN";
        return {};
      }
      const dnnl::memory::desc data =
          p.spatial == 1
              ? dnnl::memory::desc({p.batch, p.channels}, type, tag::nc)
              : dnnl::memory::desc({p.batch, p.channels, 1, p.spatial},
                                   type, tag::nchw);
      const bool inference = p.op == Op::kBatchNormInference;
      const auto flags =
          inference ? flags_affine | dnnl::normalization_flags::use_global_stats
                    : flags_affine;
      dnnl::batch_normalization_forward::desc d(
          inference ? dnnl::prop_kind::forward_inference
                    : dnnl::prop_kind::forward_training,
          data, p.eps, flags);
      dnnl::batch_normalization_forward::primitive_desc pd(d, Engine());
      e->primitive = dnnl::batch_normalization_forward(pd);
      e->args = {{DNNL_ARG_SRC, Wrap(data, p.x)},
                 {DNNL_ARG_DST, Wrap(data, p.y)},
                 {DNNL_ARG_SCALE, Wrap(vec, p.gamma)},
                 {DNNL_ARG_SHIFT, Wrap(vec, p.beta)}};
      if (inference) {
        e->args[DNNL_ARG_MEAN] = Wrap(vec, p.running_mean);
        e->args[DNNL_ARG_VARIANCE] = Wrap(vec, p.running_var);
      } else {
        e->scratch_stats.reset(new float[2 * p.channels]);
        e->args[DNNL_ARG_MEAN] = Wrap(vec, e->scratch_stats.get());
        e->args[DNNL_ARG_VARIANCE] =
            Wrap(vec, e->scratch_stats.get() + p.channels);
      }
      return Bind(e, threads);
    }
  } catch (const dnnl::error& err) {
    *why = std::string("oneDNN: ") + err.what();
    return {};
  }
  *why = "oneDNN 2.6 has no such primitive";
  return {};
}

#else  // !SIMDNORM_BENCH_HAVE_DNNL

bool HaveDnnl() { return false; }

Runner MakeDnnlRunner(const Problem&, int, std::string* why) {
  *why = "built without oneDNN";
  return {};
}

#endif

}  // namespace simdnorm_bench
