"""The library never imports the tools' layer (``libra_plugin.cli``): a config's ``custom_imports`` loads no
argument parsing, no config rewriting and no process-group set-up."""
import ast
import glob
import os.path as osp
import subprocess
import sys

import pytest

PACKAGE = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'libra_plugin')


def _imports(path: str):
    """The modules ``path`` imports, relative imports resolved against its package."""
    parts = osp.relpath(path, osp.dirname(PACKAGE))[:-3].split(osp.sep)
    package = parts[:-1] if parts[-1] != '__init__' else parts[:-1]
    for node in ast.walk(ast.parse(open(path).read(), path)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = '.'.join(base + ([node.module] if node.module else []))
            yield module
            yield from (f'{module}.{alias.name}' for alias in node.names)


def test_library_modules_do_not_import_the_cli_layer():
    library = [p for p in glob.glob(osp.join(PACKAGE, '**', '*.py'), recursive=True)
               if not p.startswith(osp.join(PACKAGE, 'cli') + osp.sep)
               and osp.relpath(p, PACKAGE) != '__main__.py']  # python -m libra_plugin: the cli's entry
    assert len(library) > 40
    offenders = {osp.relpath(p, PACKAGE): m for p in library for m in _imports(p)
                 if m == 'libra_plugin.cli' or m.startswith('libra_plugin.cli.')}
    assert offenders == {}


def test_the_resolver_sees_relative_imports():
    """The scan above would miss nothing: a relative import of the cli layer is resolved to its full name."""
    cli_args = osp.join(PACKAGE, 'cli', 'args.py')
    assert 'libra_plugin.cli.config_tools.load' in set(_imports(cli_args))


@pytest.mark.slow
def test_importing_the_package_loads_no_cli_module():
    code = ('import sys, libra_plugin, libra_plugin.models, libra_plugin.engine, libra_plugin.datasets; '
            "print(sorted(m for m in sys.modules if m.startswith('libra_plugin.cli')))")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == '[]'
