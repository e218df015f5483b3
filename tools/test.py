"""Evaluate a checkpoint of a detector or a segmenter: mmdet's ``tools/test.py``, over the plugin (``libra_plugin/cli/test.py``).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out results.pkl] [--show-dir DIR] [--cfg-options k=v ...]
"""
from libra_plugin.cli.test import main

if __name__ == '__main__':
    main()
