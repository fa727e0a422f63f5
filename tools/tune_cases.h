// The problems simdnorm-tune measures: the benchmark suite's shapes by
// default, or a user's list ("layer_norm 4096x768", "group_norm nhwc
// 2x64x64x320 g=32", ...).
#ifndef SIMDNORM_TOOLS_TUNE_CASES_H_
#define SIMDNORM_TOOLS_TUNE_CASES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "simdnorm/simdnorm.h"

namespace simdnorm_tune {

struct TuneCase {
  simdnorm_op op = SIMDNORM_OP_LAYER_NORM;
  simdnorm_layout layout = SIMDNORM_NCHW;
  // Row norms: rows = batch, cols = channels, spatial = 1.
  // Others: [N, C, S] with S the product of the spatial dims.
  int64_t batch = 1;
  int64_t channels = 1;
  int64_t spatial = 1;
  int64_t groups = 1;  // GroupNorm only
  // Storage type of x and y: fp32, or bf16/fp16, which the library tunes
  // as entries of their own.
  simdnorm_dtype dtype = SIMDNORM_F32;
  std::string dims;    // as written, e.g. "2x64x64x320" (NHWC)

  bool IsRowNorm() const;
  int64_t Elements() const;
  // Values one set of statistics covers (the tuning table's unit_elems).
  int64_t UnitElems() const;
  int64_t Units() const;
  int64_t ElementBytes() const { return dtype == SIMDNORM_F32 ? 4 : 2; }
  // x read once and y written once.
  int64_t BytesMoved() const { return Elements() * 2 * ElementBytes(); }
  // "group_norm nhwc 2x64x64x320 g=32", "layer_norm 4096x768 bf16"
  std::string Label() const;
  std::string Shape() const;  // "N=2 C=320 S=4096", "rows=4096 cols=768"
};

const char* OpName(simdnorm_op op);  // "layer_norm", ...

// The benchmark suite's shapes.
std::vector<TuneCase> DefaultCases();

const char* DtypeName(simdnorm_dtype dtype);  // "f32", "bf16", "f16"

// Parses one line of a shape list: OP [nchw|nhwc] DIMS [g=GROUPS] [DTYPE],
// with DTYPE f32 (the default), bf16 or f16 and
// DIMS in the tensor's order: 4096x768 (rows x cols), 2x320x64x64 (NCHW:
// N x C x spatial...) or 2x64x64x320 (NHWC: N x spatial... x C).
// Returns false with *error set if the line is not valid.
bool ParseCase(const std::string& line, TuneCase* out, std::string* error);

// A file of such lines; '#' starts a comment, blank lines are skipped.
bool ReadCaseFile(const std::string& path, std::vector<TuneCase>* out,
                  std::string* error);

// The shape-list syntax, for --help.
const char* CaseSyntaxHelp();

}  // namespace simdnorm_tune

#endif  // SIMDNORM_TOOLS_TUNE_CASES_H_
