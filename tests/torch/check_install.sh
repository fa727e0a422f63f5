#!/bin/sh
# Installs the build tree into a scratch prefix and imports the installed
# simdnorm.torch from there (no build tree, no LD_LIBRARY_PATH: the
# operator library finds libsimdnorm through its relative rpath).
# Usage: check_install.sh BUILD_DIR PYTHON PYTHON_INSTALL_DIR
set -eu
build_dir=$1
python=$2
python_dir=$3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

cmake --install "$build_dir" --prefix "$scratch/prefix" > /dev/null
package="$scratch/prefix/$python_dir/simdnorm"
test -f "$package/libsimdnorm_torch.so"
test -f "$package/torch/__init__.py"
cd "$scratch"
PYTHONPATH="$scratch/prefix/$python_dir" "$python" -c '
import sys, torch, simdnorm.torch as st
assert st.library_path.startswith(sys.argv[1]), st.library_path
x = torch.randn(4, 8)
torch.testing.assert_close(st.layer_norm(x, [8]), torch.nn.functional.layer_norm(x, [8]))
print("installed package works:", st.info())
' "$scratch/prefix"
