"""The tools' layer: what ``tools/*.py`` and ``python -m libra_plugin`` share (argument parsing, config loading and
rewriting, the data preflight, the CPU process group). It imports the library; the library never imports it
(``tests/cli/test_layering.py``), so ``import libra_plugin`` in a user's config loads none of it."""
