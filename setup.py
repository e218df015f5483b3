"""Installs ``libra_plugin``: Libra R-CNN parts, Lovasz losses, IB focal loss and PiCIE for MMDetection 3.3 /
MMSegmentation 1.2, with its configs and tools (``libra_plugin/.mim/``, as mim-style OpenMMLab packages ship them).

The ranges are the releases the code is written against; the tested set is the one tools/setup_env.sh installs
(torch 2.13, mmengine 0.10.7, mmcv 2.1.0, mmdet 3.3.0, mmsegmentation 1.2.2). As mmdet and mmseg do, mmcv and
mmengine are the ``mim`` extra: ``mim install mmcv`` (or a wheel built for your torch) first, then
``pip install libra_plugin`` (``libra_plugin[mim]`` lets pip fetch them). mmcv has no wheel for current torch:
tools/setup_env.sh builds it from the sdist.
"""
from setuptools import find_packages, setup

setup(
    name='libra_plugin',
    version='0.1.0',
    description='Libra R-CNN (IoU-balanced sampling, balanced feature pyramid, Balanced L1), Lovasz losses, '
    'influence-balanced focal loss and PiCIE for MMDetection 3.3 and MMSegmentation 1.2',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    python_requires='>=3.10',
    packages=find_packages(include=['libra_plugin', 'libra_plugin.*']),
    # the shipped configs and tools (links to configs/ and tools/ in the source tree; copied into the wheel)
    package_data={'libra_plugin': ['.mim/model-index.yml'] + [f'.mim/configs/{d}{ext}' for d in ('', '*/', '*/*/')
                                                             for ext in ('*.py', '*.yml', '*.md')]
                  + [f'.mim/tools/{t}' for t in ('train.py', 'test.py', 'demo.py', 'dist_train.sh', 'dist_test.sh',
                                                 'slurm_train.sh')]},
    entry_points={'console_scripts': ['libra-train = libra_plugin.cli.main:train',
                                      'libra-test = libra_plugin.cli.main:test']},
    install_requires=[
        'torch>=2.0',
        'mmdet>=3.2.0,<3.4',  # 3.2.0 checked: docs/installation.md
        'mmsegmentation>=1.2.2,<1.3',
        'ftfy',  # mmseg imports ftfy and regex at import time without declaring them
        'regex',
        'pycocotools',
        'numpy',
        'matplotlib',
    ],
    extras_require={
        # as mmdet / mmseg declare them: installed by mim (or by hand) with a build that matches the torch
        'mim': ['mmengine>=0.10.7,<0.11', 'mmcv>=2.1.0,<2.2.0'],  # mmdet 3.3 and mmseg 1.2 refuse mmcv >= 2.2
        'fast-eval': ['faster-coco-eval>=1.6'],  # libra_plugin.FasterCocoMetric; CocoMetric works without it
        'tests': ['pytest', 'pytest-xdist'],
    },
    author='libra_plugin contributors',
    keywords='computer vision, object detection, semantic segmentation, openmmlab, mmdetection, mmsegmentation, '
    'libra r-cnn, lovasz, influence-balanced loss, picie',
    license='Apache-2.0',
    license_files=['LICENSE', 'NOTICE'],
    # the methods the package implements (it has no public home page of its own to name)
    project_urls={
        'Libra R-CNN paper': 'https://arxiv.org/abs/1904.02701',
        'Lovasz hinge paper': 'https://arxiv.org/abs/1705.08790',
        'Influence-balanced loss paper': 'https://arxiv.org/abs/2110.02444',
        'PiCIE paper': 'https://arxiv.org/abs/2103.17070',
    },
    classifiers=[
        'Development Status :: 4 - Beta',
        'Intended Audience :: Science/Research',
        'License :: OSI Approved :: Apache Software License',
        'Operating System :: POSIX :: Linux',
        'Programming Language :: Python :: 3',
        'Programming Language :: Python :: 3.10',
        'Programming Language :: Python :: 3.11',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
        'Topic :: Scientific/Engineering :: Image Recognition',
    ],
)
