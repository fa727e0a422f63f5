// SIMDNORM_DASSERT(cond): an internal contract (what a kernel or plan
// assumes of its caller: run lengths, alignment, ranges), checked in Debug
// and sanitizer builds (SIMDNORM_CHECK_CONTRACTS), free in Release. A
// failure is a bug in simdnorm, never bad user input (the API rejects that
// with a status), so it aborts with the broken condition.
#ifndef SIMDNORM_COMMON_CONTRACT_H_
#define SIMDNORM_COMMON_CONTRACT_H_

namespace simdnorm::internal {

[[noreturn]] void ContractFailed(const char* condition, const char* file,
                                 int line);

}  // namespace simdnorm::internal

#if defined(SIMDNORM_CHECK_CONTRACTS)
#define SIMDNORM_DASSERT(condition)                                        \
  ((condition) ? static_cast<void>(0)                                      \
               : ::simdnorm::internal::ContractFailed(#condition, __FILE__, \
                                                      __LINE__))
#else
#define SIMDNORM_DASSERT(condition) static_cast<void>(0)
#endif

#endif  // SIMDNORM_COMMON_CONTRACT_H_
