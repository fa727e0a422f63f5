// Buffers shared by every case of a tuning run (allocated once, for the
// largest case that fits the memory cap) and the call of one case's op
// through the public C API.
#ifndef SIMDNORM_TOOLS_TUNE_WORKSPACE_H_
#define SIMDNORM_TOOLS_TUNE_WORKSPACE_H_

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "simdnorm/simdnorm.h"
#include "tune_cases.h"

namespace simdnorm_tune {

class Workspace {
 public:
  // Bytes a case needs (x and y, plus per-channel vectors).
  static int64_t BytesNeeded(const TuneCase& c);

  // Sizes the buffers for all `cases`; false if out of memory.
  bool Reserve(const std::vector<TuneCase>& cases);

  // Runs c's op once on ctx. The status is the library's (not implemented
  // ops report an error, which callers treat as "skip").
  simdnorm_status Run(simdnorm_context* ctx, const TuneCase& c);

 private:
  struct FreeDeleter {
    void operator()(float* p) const { std::free(p); }
  };
  using Buffer = std::unique_ptr<float[], FreeDeleter>;
  static Buffer Allocate(int64_t count);

  int64_t elements_ = 0;
  int64_t channels_ = 0;
  Buffer x_, y_;
  Buffer gamma_, beta_, running_mean_, running_var_;
};

}  // namespace simdnorm_tune

#endif  // SIMDNORM_TOOLS_TUNE_WORKSPACE_H_
