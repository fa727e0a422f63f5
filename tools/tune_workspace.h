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
  // Bytes a case needs (x and y, plus per-channel vectors; a 16-bit case
  // its own x as well).
  static int64_t BytesNeeded(const TuneCase& c);

  // Sizes the buffers for all `cases`; false if out of memory.
  bool Reserve(const std::vector<TuneCase>& cases);

  // Runs c's op once on ctx. The status is the library's (not implemented
  // ops report an error, which callers treat as "skip").
  simdnorm_status Run(simdnorm_context* ctx, const TuneCase& c);

 private:
  struct FreeDeleter {
    void operator()(void* p) const { std::free(p); }
  };
  template <class T>
  using BufferOf = std::unique_ptr<T[], FreeDeleter>;
  using Buffer = BufferOf<float>;
  template <class T>
  static BufferOf<T> Allocate(int64_t count);

  // x of a 16-bit case: values of c's storage type in [0.5, 2), written
  // when the type changes.
  const uint16_t* X16(const TuneCase& c);

  int64_t elements_ = 0;
  int64_t elements16_ = 0;  // of 16-bit cases
  int64_t channels_ = 0;
  Buffer x_, y_;  // y also holds 16-bit outputs
  Buffer gamma_, beta_, running_mean_, running_var_;
  BufferOf<uint16_t> x16_;
  simdnorm_dtype x16_dtype_ = SIMDNORM_F32;  // what x16_ holds (F32: none)
};

}  // namespace simdnorm_tune

#endif  // SIMDNORM_TOOLS_TUNE_WORKSPACE_H_
