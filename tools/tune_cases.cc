#include "tune_cases.h"

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace simdnorm_tune {
namespace {

// How a shape line spells a value of enum E.
template <class E>
struct Spelling {
  const char* name;
  E value;
};

constexpr Spelling<simdnorm_op> kOps[] = {
    {"layer_norm", SIMDNORM_OP_LAYER_NORM},
    {"rms_norm", SIMDNORM_OP_RMS_NORM},
    {"group_norm", SIMDNORM_OP_GROUP_NORM},
    {"instance_norm", SIMDNORM_OP_INSTANCE_NORM},
    {"batch_norm_inference", SIMDNORM_OP_BATCH_NORM_INFERENCE},
    {"batch_norm_training", SIMDNORM_OP_BATCH_NORM_TRAINING},
};

constexpr Spelling<simdnorm_dtype> kDtypes[] = {
    {"f32", SIMDNORM_F32},
    {"bf16", SIMDNORM_BF16},
    {"f16", SIMDNORM_F16},
};

template <class E, size_t kCount>
const char* NameOf(const Spelling<E> (&table)[kCount], E value) {
  for (const Spelling<E>& s : table) {
    if (s.value == value) return s.name;
  }
  return "?";
}

// False if `word` spells none of the table's values.
template <class E, size_t kCount>
bool ValueOf(const Spelling<E> (&table)[kCount], const std::string& word,
             E* out) {
  for (const Spelling<E>& s : table) {
    if (word == s.name) {
      *out = s.value;
      return true;
    }
  }
  return false;
}

// Largest accepted dimension product: far beyond memory, small enough that
// byte counts cannot overflow.
constexpr int64_t kMaxElements = int64_t{1} << 40;

bool ParsePositive(const std::string& text, int64_t* out) {
  if (text.empty() || text[0] < '0' || text[0] > '9') return false;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || v <= 0 || v > kMaxElements) return false;
  *out = v;
  return true;
}

bool ParseDims(const std::string& text, std::vector<int64_t>* dims) {
  dims->clear();
  std::string part;
  std::istringstream in(text);
  int64_t product = 1;
  while (std::getline(in, part, 'x')) {
    int64_t v;
    if (!ParsePositive(part, &v) || v > kMaxElements / product) return false;
    product *= v;
    dims->push_back(v);
  }
  return !text.empty() && text.back() != 'x';
}

}  // namespace

const char* OpName(simdnorm_op op) { return NameOf(kOps, op); }

const char* DtypeName(simdnorm_dtype dtype) { return NameOf(kDtypes, dtype); }

bool TuneCase::IsRowNorm() const {
  return op == SIMDNORM_OP_LAYER_NORM || op == SIMDNORM_OP_RMS_NORM;
}

int64_t TuneCase::Elements() const { return batch * channels * spatial; }

int64_t TuneCase::UnitElems() const {
  switch (op) {
    case SIMDNORM_OP_LAYER_NORM:
    case SIMDNORM_OP_RMS_NORM:
      return channels;
    case SIMDNORM_OP_GROUP_NORM:
      return channels / groups * spatial;
    case SIMDNORM_OP_INSTANCE_NORM:
      return spatial;
    case SIMDNORM_OP_BATCH_NORM_INFERENCE:
    case SIMDNORM_OP_BATCH_NORM_TRAINING:
      return batch * spatial;
  }
  return channels;
}

int64_t TuneCase::Units() const { return Elements() / UnitElems(); }

std::string TuneCase::Shape() const {
  if (IsRowNorm()) {
    return "rows=" + std::to_string(batch) +
           " cols=" + std::to_string(channels);
  }
  return "N=" + std::to_string(batch) + " C=" + std::to_string(channels) +
         " S=" + std::to_string(spatial);
}

std::string TuneCase::Label() const {
  std::string label = OpName(op);
  if (!IsRowNorm()) label += layout == SIMDNORM_NHWC ? " nhwc" : " nchw";
  label += " " + dims;
  if (op == SIMDNORM_OP_GROUP_NORM) label += " g=" + std::to_string(groups);
  if (dtype != SIMDNORM_F32) label += std::string(" ") + DtypeName(dtype);
  return label;
}

bool ParseCase(const std::string& line, TuneCase* out, std::string* error) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty()) {
    *error = "empty shape";
    return false;
  }
  TuneCase c;
  if (!ValueOf(kOps, words[0], &c.op)) {
    *error = "unknown op \"" + words[0] +
             "\" (layer_norm, rms_norm, group_norm, instance_norm, "
             "batch_norm_inference, batch_norm_training)";
    return false;
  }
  size_t i = 1;
  if (i < words.size() && (words[i] == "nchw" || words[i] == "nhwc")) {
    if (c.IsRowNorm()) {
      *error = "LayerNorm and RMSNorm take no layout";
      return false;
    }
    c.layout = words[i] == "nhwc" ? SIMDNORM_NHWC : SIMDNORM_NCHW;
    ++i;
  }
  std::vector<int64_t> dims;
  if (i >= words.size() || !ParseDims(words[i], &dims)) {
    *error = "expected dimensions like 4096x768 or 2x320x64x64";
    return false;
  }
  c.dims = words[i++];
  if (c.IsRowNorm() && dims.size() != 2) {
    *error = "LayerNorm and RMSNorm shapes are ROWSxCOLS";
    return false;
  }
  if (dims.size() < 2) {
    *error = "shapes are NxC or NxCxSPATIAL...";
    return false;
  }
  // NCHW: N x C x spatial...; NHWC: N x spatial... x C, the order of the
  // tensor's dims in memory.
  const bool channels_last = c.layout == SIMDNORM_NHWC;
  c.batch = dims[0];
  c.channels = channels_last ? dims.back() : dims[1];
  const size_t first_spatial = channels_last ? 1 : 2;
  const size_t end_spatial = channels_last ? dims.size() - 1 : dims.size();
  for (size_t d = first_spatial; d < end_spatial; ++d) c.spatial *= dims[d];
  if (i < words.size() && words[i].rfind("g=", 0) == 0) {
    if (c.op != SIMDNORM_OP_GROUP_NORM ||
        !ParsePositive(words[i].substr(2), &c.groups)) {
      *error = "g=GROUPS is for group_norm, with GROUPS > 0";
      return false;
    }
    ++i;
  } else if (c.op == SIMDNORM_OP_GROUP_NORM) {
    *error = "group_norm needs g=GROUPS";
    return false;
  }
  if (i < words.size() && ValueOf(kDtypes, words[i], &c.dtype)) ++i;
  if (i != words.size()) {
    *error = "unexpected \"" + words[i] +
             "\" (a storage type is f32, bf16 or f16)";
    return false;
  }
  if (c.channels % c.groups != 0) {
    *error = "groups (" + std::to_string(c.groups) +
             ") must divide channels (" + std::to_string(c.channels) + ")";
    return false;
  }
  *out = c;
  return true;
}

bool ReadCaseFile(const std::string& path, std::vector<TuneCase>* out,
                  std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = path + ": cannot open";
    return false;
  }
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const size_t hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    TuneCase c;
    std::string why;
    if (!ParseCase(line, &c, &why)) {
      *error = path + ":" + std::to_string(number) + ": " + why;
      return false;
    }
    out->push_back(c);
  }
  return true;
}

std::vector<TuneCase> DefaultCases() {
  const char* const kSuite[] = {
      "layer_norm 32x64",
      "layer_norm 4096x768",
      "layer_norm 2048x4096",
      "layer_norm 1x4096",
      "rms_norm 2048x4096",
      "rms_norm 1x4096",
      "group_norm nchw 32x64x32x32 g=4",
      "group_norm nchw 2x320x64x64 g=32",
      "group_norm nchw 2x1280x8x8 g=32",
      "group_norm nchw 32x64x56x56 g=32",
      "group_norm nchw 1x512x256x256 g=32",
      "group_norm nhwc 2x64x64x320 g=32",
      "group_norm nhwc 32x56x56x64 g=32",
      "instance_norm nchw 1x64x256x256",
      "instance_norm nchw 8x128x64x64",
      "batch_norm_inference nchw 32x64",
      "batch_norm_inference nchw 32x64x56x56",
      "batch_norm_inference nchw 32x2048x7x7",
      "batch_norm_training nchw 32x64",
      "batch_norm_training nchw 32x64x56x56",
      "layer_norm 4096x768 bf16",
      "layer_norm 2048x4096 bf16",
      "rms_norm 2048x4096 bf16",
      "group_norm nhwc 2x64x64x320 g=32 bf16",
      "batch_norm_inference nchw 32x64x56x56 bf16",
      "layer_norm 4096x768 f16",
      "rms_norm 2048x4096 f16",
  };
  std::vector<TuneCase> cases;
  for (const char* line : kSuite) {
    TuneCase c;
    std::string error;
    if (ParseCase(line, &c, &error)) cases.push_back(c);
  }
  return cases;
}

const char* CaseSyntaxHelp() {
  return "  One shape per line (or per --shape): OP [nchw|nhwc] DIMS "
         "[g=GROUPS] [DTYPE]\n"
         "    OP      layer_norm, rms_norm (DIMS = ROWSxCOLS), group_norm\n"
         "            (needs g=GROUPS), instance_norm, batch_norm_inference,\n"
         "            batch_norm_training\n"
         "    layout  nchw (default) or nhwc, not for row norms\n"
         "    DIMS    in the tensor's order: NxC or NxCxSPATIAL... for nchw,\n"
         "            NxC or NxSPATIAL...xC for nhwc\n"
         "    DTYPE   storage of x and y: f32 (default), bf16 or f16; each\n"
         "            type is tuned as its own entry\n"
         "  '#' starts a comment. Examples:\n"
         "    layer_norm 4096x768\n"
         "    group_norm nhwc 2x64x64x320 g=32    (N=2, 64x64, C=320)\n"
         "    batch_norm_inference nchw 32x2048x7x7\n"
         "    layer_norm 4096x768 bf16\n";
}

}  // namespace simdnorm_tune
