// The type fields every op's args share (dtype, param_dtype, reserved,
// y_dtype, y_scale, y_zero_point): decoding, the header's rules on them,
// and the element type of each tensor they give.
#ifndef SIMDNORM_TESTS_FUZZ_FUZZ_DTYPES_H_
#define SIMDNORM_TESTS_FUZZ_FUZZ_DTYPES_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz_common.h"
#include "simdnorm/simdnorm.h"

namespace simdnorm_fuzz {

// The fields as raw integers (a C caller may store any value). The
// defaults are the *_args_init values.
struct DtypeFields {
  int dtype = SIMDNORM_F32;
  int param_dtype = SIMDNORM_F32;
  int32_t reserved = 0;  // not in the BatchNorm args
  int y_dtype = 0;
  float y_scale = 1.0f;
  int32_t y_zero_point = 0;

  // y is int8 (SIMDNORM_S8 / SIMDNORM_U8).
  bool quantized() const;
  // Element types of x (residual, sum_out), of gamma/beta (residual_bias)
  // and of y in a valid call; an invalid type is sized as fp32 (such a
  // call touches nothing).
  simdnorm_dtype x_type() const;
  simdnorm_dtype param_type() const;
  simdnorm_dtype y_type() const;
  // "x=bf16 p=f32 y=s8", or "invalid types" when the rules reject them.
  std::string Types() const;
  std::string Describe() const;
};

// Mostly valid combinations of every type, sometimes invalid values (an
// int8 or unknown dtype, a param_dtype of another type, a 16-bit y_dtype
// other than dtype, y_scale 0, negative or not finite, a zero point out
// of range, reserved not 0).
DtypeFields DecodeDtypeFields(ByteReader& in);

// The header's rules: dtype a storage type (an int8 one is unsupported);
// param_dtype fp32 or dtype; reserved 0; y_dtype 0 or dtype (another
// storage type is unsupported), or an int8 type with y_scale finite and
// > 0 and y_zero_point within the int8 type's range (y_scale and
// y_zero_point are not read otherwise).
void DtypeRules(Model& m, const DtypeFields& used);

namespace internal {

// reserved is in the row and group args only.
template <class Args>
auto StoreReserved(Args& args, int32_t value, int32_t* used, int)
    -> decltype(void(args.reserved)) {
  StoreAppended(args, args.reserved, value, used);
}
template <class Args>
void StoreReserved(Args&, int32_t, int32_t*, long) {}  // no such field

}  // namespace internal

// Writes the fields into args (its struct_size set) and returns the
// fields the call reads (see StoreAppended).
template <class Args>
DtypeFields StoreDtypeFields(const DtypeFields& fields, Args& args) {
  DtypeFields used;
  used.dtype = fields.dtype;  // in every version
  SetRawEnum(&args.dtype, fields.dtype);
  StoreAppended(args, args.param_dtype, fields.param_dtype, &used.param_dtype);
  internal::StoreReserved(args, fields.reserved, &used.reserved, 0);
  StoreAppended(args, args.y_dtype, fields.y_dtype, &used.y_dtype);
  StoreAppended(args, args.y_scale, fields.y_scale, &used.y_scale);
  StoreAppended(args, args.y_zero_point, fields.y_zero_point, &used.y_zero_point);
  return used;
}

}  // namespace simdnorm_fuzz

#endif  // SIMDNORM_TESTS_FUZZ_FUZZ_DTYPES_H_
