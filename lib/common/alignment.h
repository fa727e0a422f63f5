// Where an element pointer sits relative to vector alignment: what the
// kernels' peels and realigned loads start from.
#ifndef SIMDNORM_COMMON_ALIGNMENT_H_
#define SIMDNORM_COMMON_ALIGNMENT_H_

#include <cstddef>
#include <cstdint>

namespace simdnorm::internal {

// Whether p is a multiple of elem_bytes: else no count of whole elements
// from p reaches a vector boundary.
inline bool ElementAligned(const void* p, size_t elem_bytes) {
  return reinterpret_cast<uintptr_t>(p) % elem_bytes == 0;
}
template <typename T>
bool ElementAligned(const T* p) {
  return ElementAligned(p, sizeof(T));
}

// Elements of elem_bytes that p lies past the boundary of a vector of
// `lanes` such elements: 0 if a vector at p is aligned. For element-aligned
// p.
inline size_t ElementsPastVector(const void* p, size_t elem_bytes,
                                 size_t lanes) {
  return (reinterpret_cast<uintptr_t>(p) / elem_bytes) % lanes;
}
template <typename T>
size_t ElementsPastVector(const T* p, size_t lanes) {
  return ElementsPastVector(p, sizeof(T), lanes);
}

// Elements from p up to the first vector-aligned one (vectors of `lanes`
// elements); 0 if p is aligned, or not even element-aligned (then no peel
// helps).
template <typename T>
size_t MisalignedHead(const T* p, size_t lanes) {
  if (!ElementAligned(p)) return 0;
  const size_t past = ElementsPastVector(p, lanes);
  return past == 0 ? 0 : lanes - past;
}

}  // namespace simdnorm::internal

#endif  // SIMDNORM_COMMON_ALIGNMENT_H_
