// The lookup over the per-storage-type tables of one kernel family: each
// <family>_<type>.cc exports `find##Type(target)` and `targets##Type()`
// (SIMDNORM_EXPORT_KERNEL_TABLE); SIMDNORM_DEFINE_STORAGE_LOOKUP defines
// `const Table* find(target, dtype)` and `int64_t targets()` over every
// type of SIMDNORM_FOR_EACH_STORAGE, so a new storage type needs no edit
// here.
#ifndef SIMDNORM_KERNELS_STORAGE_TABLES_H_
#define SIMDNORM_KERNELS_STORAGE_TABLES_H_

#include <cstddef>
#include <cstdint>

#include "common/storage.h"
#include "simdnorm/simdnorm.h"

namespace simdnorm::internal {

template <class Table>
struct StorageTable {
  simdnorm_dtype dtype;
  const Table* (*find)(int64_t target);
  int64_t (*targets)();
};

template <class Table, size_t kSize>
const Table* FindInStorageTables(const StorageTable<Table> (&tables)[kSize],
                                 int64_t target, simdnorm_dtype dtype) {
  for (const StorageTable<Table>& t : tables) {
    if (t.dtype == dtype) return t.find(target);
  }
  return nullptr;
}

// Targets compiled for every storage type.
template <class Table, size_t kSize>
int64_t TargetsOfStorageTables(const StorageTable<Table> (&tables)[kSize]) {
  int64_t targets = ~int64_t{0};
  for (const StorageTable<Table>& t : tables) targets &= t.targets();
  return targets;
}

}  // namespace simdnorm::internal

#define SIMDNORM_DECLARE_STORAGE_TABLE(Table, find, targets, name,   \
                                       dtype_value, bytes, text)     \
  const Table* find##name(int64_t target);                           \
  int64_t targets##name();
#define SIMDNORM_STORAGE_TABLE_ENTRY(Table, find, targets, name,     \
                                     dtype_value, bytes, text)       \
  StorageTable<Table>{dtype_value, &find##name, &targets##name},

// In namespace simdnorm::internal of the family's lookup .cc.
#define SIMDNORM_DEFINE_STORAGE_LOOKUP(Table, find, targets)                 \
  SIMDNORM_FOR_EACH_STORAGE_WITH(SIMDNORM_DECLARE_STORAGE_TABLE, Table,     \
                                 find, targets)                              \
  namespace {                                                                \
  constexpr StorageTable<Table> k##Table##ByStorage[] = {                    \
      SIMDNORM_FOR_EACH_STORAGE_WITH(SIMDNORM_STORAGE_TABLE_ENTRY, Table,    \
                                     find, targets)};                        \
  }                                                                          \
  const Table* find(int64_t target, simdnorm_dtype dtype) {                  \
    return FindInStorageTables(k##Table##ByStorage, target, dtype);          \
  }                                                                          \
  int64_t targets() { return TargetsOfStorageTables(k##Table##ByStorage); }

#endif  // SIMDNORM_KERNELS_STORAGE_TABLES_H_
