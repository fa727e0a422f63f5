// Reading and writing simdnorm-tune's JSON tuning files.
#ifndef SIMDNORM_RUNTIME_TUNING_FILE_H_
#define SIMDNORM_RUNTIME_TUNING_FILE_H_

#include "simdnorm/simdnorm.h"

struct simdnorm_context;

namespace simdnorm {

// Replaces ctx's tuning table with the file's entries for this CPU and
// ISA targets; on error, the table is left unchanged.
simdnorm_status LoadTuningFile(const char* path, simdnorm_context* ctx);

}  // namespace simdnorm

#endif  // SIMDNORM_RUNTIME_TUNING_FILE_H_
