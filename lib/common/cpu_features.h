// CPU features that Highway's targets do not cover but a kernel table may
// use within its target (e.g. AVX512_BF16's conversion inside AVX3).
#ifndef SIMDNORM_COMMON_CPU_FEATURES_H_
#define SIMDNORM_COMMON_CPU_FEATURES_H_

namespace simdnorm::internal {

// Whether the bf16 kernels of x86 AVX-512 targets narrow with the
// AVX512_BF16 instruction (vcvtneps2bf16): the CPU has it and the
// environment variable SIMDNORM_NO_AVX512_BF16 is unset or empty (set, it
// selects the integer rounding, which gives the same bits: tests run both).
// Read once per process.
bool UseAvx512Bf16();

}  // namespace simdnorm::internal

#endif  // SIMDNORM_COMMON_CPU_FEATURES_H_
