// The quantized-output contract both int8 output tests check: an output is
// the exactly rounded integer of the float64 reference y, or one off it
// where y / y_scale lies within the fp32 contract's error of a rounding
// boundary. Counts over the whole test program are printed at its end.
#ifndef SIMDNORM_TESTS_QUANTIZED_REFERENCE_H_
#define SIMDNORM_TESTS_QUANTIZED_REFERENCE_H_

#include <cstdint>

#include "simdnorm/simdnorm.h"

namespace simdnorm_test {

struct Quantization {
  simdnorm_dtype y_dtype;  // SIMDNORM_S8 or SIMDNORM_U8
  float scale;
  int32_t zero_point;
};

// saturate(round_half_even(y / scale) + zero_point); NaN: the zero point.
int32_t ExactQuantized(double y, const Quantization& q);

// The integer a stored byte of y holds.
int32_t StoredQuantized(uint8_t byte, simdnorm_dtype y_dtype);

// Whether `got` meets the contract for reference y, `tol` being the fp32
// contract's error on y (relative to 1 + |y|). *want: the exact integer.
bool QuantizedWithinContract(int32_t got, double y, const Quantization& q,
                             double tol, int32_t* want);

}  // namespace simdnorm_test

#endif  // SIMDNORM_TESTS_QUANTIZED_REFERENCE_H_
