"""Train a detector or a segmenter: mmdet's ``tools/train.py``, over the plugin (``libra_plugin/cli/train.py``).

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp] [--cfg-options k=v ...]
"""
from libra_plugin.cli.train import main

if __name__ == '__main__':
    main()
