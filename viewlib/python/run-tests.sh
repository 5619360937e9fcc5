#!/usr/bin/env bash
# Builds the Python module `viewlib` into a venv and runs its pytest suite.
#
#   viewlib/python/run-tests.sh [PYTEST ARGS...]
#
# The venv (maturin, NumPy, pytest, Pillow and Dask distributed at the versions in
# requirements-test.txt, from the package registry) is made once and reused:
# target/python-venv under the workspace, or $VIEWLIB_PYTHON_VENV. The extension is built by `maturin develop` in its own target dir
# (target/python, or $VIEWLIB_PYTHON_TARGET), so it neither waits for nor evicts the
# workspace's cargo builds. $VIEWLIB_PYTHON_PROFILE picks the cargo profile: python-test by
# default (viewlib optimized as in release, the decoders it depends on not, so a build from
# scratch takes half as long), or release for measuring. $PYTHON is the interpreter that
# makes the venv (default python3, 3.11 or later).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
workspace=$(cd "$here/../.." && pwd)
venv=${VIEWLIB_PYTHON_VENV:-$workspace/target/python-venv}
target=${VIEWLIB_PYTHON_TARGET:-$workspace/target/python}
profile=${VIEWLIB_PYTHON_PROFILE:-python-test}
python=${PYTHON:-python3}
requirements=$here/requirements-test.txt
stamp=$venv/.viewlib-requirements

if ! cmp -s "$requirements" "$stamp" 2>/dev/null || [ ! -x "$venv/bin/python" ]; then
  echo "run-tests.sh: preparing the venv $venv" >&2
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
fi

echo "run-tests.sh: building the extension (profile $profile)" >&2
VIRTUAL_ENV=$venv PATH="$venv/bin:$PATH" CARGO_TARGET_DIR=$target \
  "$venv/bin/maturin" develop --quiet --profile "$profile" --manifest-path "$here/Cargo.toml"

cd "$here"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
