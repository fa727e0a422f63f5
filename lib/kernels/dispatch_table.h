// Finds the entry of a Highway dispatch table (HWY_EXPORT) compiled for a
// given target. Each exported getter returns a table of kernels that knows
// its own target, so contexts can pin a target without touching Highway's
// process-wide chosen target (which is neither per-context nor thread-safe
// to change).
#ifndef SIMDNORM_KERNELS_DISPATCH_TABLE_H_
#define SIMDNORM_KERNELS_DISPATCH_TABLE_H_

#include <cstddef>
#include <cstdint>

namespace simdnorm::internal {

// Entry 0 of a multi-target table is Highway's lazy initializer, not a
// target: skip it. The getters only return the address of a constant table,
// so calling one compiled for an ISA this CPU lacks executes no such
// instruction.
template <class Table, size_t kSize>
const Table* FindInDispatchTable(const Table* (*const (&getters)[kSize])(),
                                 int64_t target) {
  for (size_t i = kSize > 1 ? 1 : 0; i < kSize; ++i) {
    if (getters[i] == nullptr) continue;
    const Table* table = getters[i]();
    if (table->target == target) return table;
  }
  return nullptr;
}

template <class Table, size_t kSize>
int64_t TargetsInDispatchTable(const Table* (*const (&getters)[kSize])()) {
  int64_t targets = 0;
  for (size_t i = kSize > 1 ? 1 : 0; i < kSize; ++i) {
    if (getters[i] != nullptr) targets |= getters[i]()->target;
  }
  return targets;
}

}  // namespace simdnorm::internal

// In a kernels .cc after its per-target code (inside `#if HWY_ONCE`, in
// namespace simdnorm::internal): exports the per-target getter `getter` and defines
// `const Table* find(int64_t target)` and `int64_t targets()`.
#define SIMDNORM_EXPORT_KERNEL_TABLE(Table, getter, find, targets)      \
  HWY_EXPORT(getter);                                                   \
  const Table* find(int64_t target) {                                   \
    return FindInDispatchTable(HWY_DISPATCH_TABLE(getter), target);     \
  }                                                                     \
  int64_t targets() {                                                   \
    return TargetsInDispatchTable(HWY_DISPATCH_TABLE(getter));          \
  }

#endif  // SIMDNORM_KERNELS_DISPATCH_TABLE_H_
