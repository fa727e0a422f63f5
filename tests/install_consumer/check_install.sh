#!/usr/bin/env bash
# Installs the build tree into a scratch prefix, then builds and runs a C
# consumer through the CMake package and through pkg-config.
set -euo pipefail
build_dir=$1
source_dir=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

cmake --install "$build_dir" --prefix "$scratch/prefix" > /dev/null
test -f "$scratch/prefix/include/simdnorm/simdnorm.h"
test -f "$scratch/prefix/include/simdnorm/simdnorm.hpp"
libdir=$(find "$scratch/prefix" -name 'libsimdnorm.*' -printf '%h\n' | head -1)

cmake -S "$source_dir" -B "$scratch/consumer" \
  -DCMAKE_PREFIX_PATH="$scratch/prefix" > /dev/null
cmake --build "$scratch/consumer" > /dev/null
LD_LIBRARY_PATH="$libdir" "$scratch/consumer/consumer"

export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc "$source_dir/consumer.c" -o "$scratch/consumer_pc" \
  $(pkg-config --cflags --libs simdnorm) -lm
LD_LIBRARY_PATH="$libdir" "$scratch/consumer_pc"
echo "install check passed"
