# The two commands a fresh clone needs: `make demo` (train + evaluate the CPU demo) and `make test`.
# Both create or reuse the virtual environment at .venv (tools/setup_env.sh).
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup demo test bench bench-gpu

setup:
	@VENV=$(VENV) bash tools/setup_env.sh

demo: setup
	$(PY) tools/demo.py

test: setup
	$(PY) -m pytest

bench: setup
	$(PY) benchmarks/run_all.py

# the GPU check (benchmarks/bench_gpu.py): needs only torch; writes bench_gpu.json and bench_gpu.md
bench-gpu:
	python benchmarks/bench_gpu.py --device cuda
