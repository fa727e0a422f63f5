#include "common/contract.h"

#include <cstdio>
#include <cstdlib>

namespace simdnorm::internal {

// The last violated contract, for a debugger or core dump: the library
// never prints, even here. Sanitizer runs (ASAN_OPTIONS=handle_abort=1)
// show the stack of the abort.
char g_contract_violation[512];

// Reached only in builds that check contracts, on a simdnorm bug.
void ContractFailed(const char* condition, const char* file, int line) {
  std::snprintf(g_contract_violation, sizeof(g_contract_violation),
                "simdnorm: internal contract violated at %s:%d: %s", file,
                line, condition);
  std::abort();
}

}  // namespace simdnorm::internal
