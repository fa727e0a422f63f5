#!/bin/sh
# Every C++ symbol the library defines lives in simdnorm::internal: a name
# shared with the public C++ wrapper (simdnorm::) is an ODR violation that
# corrupts memory in static links. Usage: check_namespaces.sh LIBRARY
set -eu
lib=$1
leaked=$(nm -C --defined-only "$lib" | awk '{ $1 = ""; $2 = ""; print }' |
  grep -E '(^|[^_[:alnum:]:])simdnorm::' | grep -v 'simdnorm::internal::' || true)
if [ -n "$leaked" ]; then
  echo "symbols outside simdnorm::internal in $lib:"
  echo "$leaked" | head -20
  exit 1
fi
count=$(nm -C --defined-only "$lib" | grep -c 'simdnorm::internal::' || true)
echo "$count simdnorm::internal symbols, none in simdnorm:: proper"
[ "$count" -gt 0 ]
