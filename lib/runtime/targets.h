// ISA targets by name, and which ones are compiled in and runnable here.
// Targets are Highway's HWY_* bits; a lower bit is a better target.
#ifndef SIMDNORM_RUNTIME_TARGETS_H_
#define SIMDNORM_RUNTIME_TARGETS_H_

#include <cstdint>
#include <string>

namespace simdnorm::internal {

int64_t CompiledTargets();   // compiled into every kernel family
int64_t SupportedTargets();  // compiled and runnable on this CPU
int64_t BestTarget();        // best of SupportedTargets()
const char* TargetName(int64_t target);
// A compiled target by name, in any case; "AVX512" names AVX3. 0 if the
// name is not one of AcceptedTargetNames().
int64_t TargetFromName(const char* name);
std::string TargetList(int64_t targets);   // "AVX3,AVX2,...", best first
// What TargetFromName and the context accept, for messages:
// "best, AVX3 (or AVX512), AVX2, SSE4, SSSE3, SCALAR".
std::string AcceptedTargetNames();

}  // namespace simdnorm::internal

#endif  // SIMDNORM_RUNTIME_TARGETS_H_
