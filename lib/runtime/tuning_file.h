// Reading and writing simdnorm-tune's JSON tuning files.
//
// Format (version 1), one object:
//   format          "simdnorm-tuning"
//   format_version  1 (other versions are rejected)
//   library_version simdnorm version that wrote the file (informational)
//   created         UTC date, ISO 8601 (informational)
//   cpu             {"model": /proc/cpuinfo model name, "targets": the
//                   ISA targets it supports, "best_target": ...}
//   threads         threads the tuner ran with (informational)
//   entries         [{"op": "layer_norm", "layout": "nchw", "dtype": "f32",
//                     "target": "AVX3", "bucket": 6,
//                     "params": {"block_elems": 2048, ...},
//                     "speedup": 1.12}, ...]
// A params field left out keeps its default; every value given must be an
// integer within the bounds of kTileParamFields (runtime/tuning.h). "dtype"
// (default "f32") is the storage type of the problems an entry serves:
// "f32", "bf16" or "f16"; entries of other types are skipped with a
// warning.
#ifndef SIMDNORM_RUNTIME_TUNING_FILE_H_
#define SIMDNORM_RUNTIME_TUNING_FILE_H_

#include <cstddef>
#include <string>

#include "simdnorm/simdnorm.h"

struct simdnorm_context;

namespace simdnorm::internal {

constexpr int kTuningFormatVersion = 1;

// Replaces ctx's tuning table with the file's entries for this CPU and
// its ISA targets, and ctx's tuning warnings with the reasons any entries
// were skipped or may not fit (tuned for another thread count). The whole
// file is checked first: on error (unreadable, larger than 16 MiB,
// nested deeper than 16, malformed, wrong types, unknown version, values
// out of bounds) ctx is left unchanged and SIMDNORM_TUNING_ERROR is
// returned. `function` names the caller in messages.
simdnorm_status LoadTuningFile(const char* function, const char* path,
                               simdnorm_context* ctx);
// The same for a file's contents held in memory (size bytes at data).
simdnorm_status LoadTuningText(const char* function, const char* data,
                               size_t size, simdnorm_context* ctx);

// Writes ctx's table with this machine's description; replaces `path`
// atomically (write to a temporary file, then rename).
simdnorm_status SaveTuningFile(const char* function, const char* path,
                               const simdnorm_context& ctx);

// This CPU's model name as tuning files record it (whitespace collapsed),
// "unknown" if the system does not say.
const std::string& CpuModel();

}  // namespace simdnorm::internal

#endif  // SIMDNORM_RUNTIME_TUNING_FILE_H_
