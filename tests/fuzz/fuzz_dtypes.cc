#include "fuzz_dtypes.h"

#include <climits>
#include <cmath>

namespace simdnorm_fuzz {
namespace {

bool IsStorage(int t) {
  return t == SIMDNORM_F32 || t == SIMDNORM_BF16 || t == SIMDNORM_F16;
}

bool IsInt8(int t) { return t == SIMDNORM_S8 || t == SIMDNORM_U8; }

int DecodeStorageType(ByteReader& in) {
  const uint8_t tag = in.Byte();
  if (tag < 240) return tag % 3;  // F32, BF16, F16
  const int kInvalid[] = {SIMDNORM_S8, SIMDNORM_U8, 5, -1, INT_MIN, INT_MAX, 256, 1 << 16};
  return kInvalid[tag % 8];
}

int DecodeParamType(ByteReader& in, int dtype) {
  const uint8_t tag = in.Byte();
  if (tag < 240) return tag % 2 == 0 ? SIMDNORM_F32 : dtype;
  // A 16-bit type other than dtype first.
  const int other16 = dtype == SIMDNORM_BF16 ? SIMDNORM_F16 : SIMDNORM_BF16;
  const int kInvalid[] = {other16, other16, SIMDNORM_S8, SIMDNORM_U8, -1, 5, INT_MAX, 256};
  return kInvalid[tag % 8];
}

int DecodeOutputType(ByteReader& in, int dtype) {
  const uint8_t tag = in.Byte();
  // The low bits: a mutated byte gives an int8 output half the time.
  const int kUsual[] = {0, dtype, SIMDNORM_S8, SIMDNORM_U8};
  if (tag < 240) return kUsual[tag % 4];
  // 16-bit types other than dtype are refused; F32 (0) always means dtype.
  const int kOther[] = {SIMDNORM_BF16, SIMDNORM_F16, SIMDNORM_F32, 5, -1, INT_MIN, 255, 1 << 16};
  return kOther[tag % 8];
}

int32_t DecodeZeroPoint(ByteReader& in, int y_dtype) {
  const uint8_t tag = in.Byte();
  if (tag < 128) return 0;
  if (tag < 224) {  // within the range of y_dtype's int8 type
    const uint8_t v = in.Byte();
    return y_dtype == SIMDNORM_U8 ? int32_t{v} : int32_t{static_cast<int8_t>(v)};
  }
  const int32_t kEdges[] = {-129, 128, 256, -1, INT32_MIN, INT32_MAX, 255, -128};
  return kEdges[tag % 8];
}

}  // namespace

bool DtypeFields::quantized() const { return IsInt8(y_dtype); }

simdnorm_dtype DtypeFields::x_type() const {
  return static_cast<simdnorm_dtype>(IsStorage(dtype) ? dtype : SIMDNORM_F32);
}

simdnorm_dtype DtypeFields::param_type() const {
  return static_cast<simdnorm_dtype>(IsStorage(param_dtype) ? param_dtype : SIMDNORM_F32);
}

simdnorm_dtype DtypeFields::y_type() const {
  return quantized() ? static_cast<simdnorm_dtype>(y_dtype) : x_type();
}

std::string DtypeFields::Types() const {
  Model m;
  DtypeRules(m, *this);
  if (m.verdict() == Verdict::kInvalid) return "invalid types";
  return std::string("x=") + TypeName(x_type()) + " p=" + TypeName(param_type()) +
         " y=" + TypeName(y_type());
}

std::string DtypeFields::Describe() const {
  return "dtype=" + Str(int64_t{dtype}) + " param_dtype=" + Str(int64_t{param_dtype}) +
         " reserved=" + Str(int64_t{reserved}) + " y_dtype=" + Str(int64_t{y_dtype}) +
         " y_scale=" + Str(double{y_scale}) + " y_zero_point=" + Str(int64_t{y_zero_point});
}

DtypeFields DecodeDtypeFields(ByteReader& in) {
  DtypeFields d;
  d.dtype = DecodeStorageType(in);
  d.param_dtype = DecodeParamType(in, d.dtype);
  {
    const uint8_t tag = in.Byte();
    const int32_t kNonZero[] = {1, -1, INT32_MIN, 1 << 16};
    d.reserved = tag < 252 ? 0 : kNonZero[tag % 4];
  }
  d.y_dtype = DecodeOutputType(in, d.dtype);
  // Scales that put moderate normalized values across the int8 range or
  // saturate it; then DecodeEps's zero, negative, tiny, huge and
  // non-finite values.
  static const float kScales[] = {0.05f, 1.0f / 64, 1.0f, 3.0f};
  const float usual = kScales[in.Byte() % 4];
  d.y_scale = DecodeEps(in, usual);
  d.y_zero_point = DecodeZeroPoint(in, d.y_dtype);
  return d;
}

void DtypeRules(Model& m, const DtypeFields& used) {
  if (IsInt8(used.dtype)) {
    m.Unsupported("dtype " + Str(int64_t{used.dtype}) + " is an output type only");
    return;
  }
  if (!IsStorage(used.dtype)) {
    m.Invalid("dtype " + Str(int64_t{used.dtype}) + " is not a storage type");
    return;
  }
  if (used.param_dtype != SIMDNORM_F32 && used.param_dtype != used.dtype) {
    m.Invalid("param_dtype is neither fp32 nor dtype");
  }
  if (used.reserved != 0) m.Invalid("reserved is not 0");
  if (used.y_dtype != 0 && used.y_dtype != used.dtype && !used.quantized()) {
    if (IsStorage(used.y_dtype)) m.Unsupported("y_dtype is another storage type than dtype");
    else m.Invalid("y_dtype is not 0, dtype or an int8 type");
  }
  if (!used.quantized()) return;
  if (!(std::isfinite(used.y_scale) && used.y_scale > 0.0f)) m.Invalid("y_scale");
  const int32_t lo = used.y_dtype == SIMDNORM_S8 ? -128 : 0;
  if (used.y_zero_point < lo || used.y_zero_point > lo + 255) m.Invalid("y_zero_point");
}

}  // namespace simdnorm_fuzz
