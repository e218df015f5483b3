# The two commands a fresh clone needs: `make demo` (train + evaluate the CPU demo) and `make test`.
# Both create or reuse the virtual environment at .venv (tools/setup_env.sh).
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup demo test test-configs bench bench-gpu

setup:
	@VENV=$(VENV) bash tools/setup_env.sh

demo: setup
	$(PY) tools/demo.py

# two worker processes (pytest-xdist), each test file on one worker: the slow tests mostly wait on process start-up
# and single-threaded Python, so two files at a time fill the two cores
TEST_WORKERS ?= 2

test: setup
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not dryrun"

# the dry run of every shipped config (tests/configs/test_dry_run.py: 2 training iterations and a validation each,
# on generated data in the config's layout), the configs spread over the workers; CI runs it after make test
test-configs: setup
	$(PY) -m pytest -n $(TEST_WORKERS) --dist load -m dryrun

bench: setup
	$(PY) benchmarks/run_all.py

# the GPU check (benchmarks/bench_gpu.py): needs only torch; writes bench_gpu.json and bench_gpu.md
bench-gpu:
	python benchmarks/bench_gpu.py --device cuda
