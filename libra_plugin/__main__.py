"""``python -m libra_plugin TOOL [args]``: see :mod:`libra_plugin.cli.main`."""
from libra_plugin.cli.main import main

if __name__ == '__main__':
    main()
