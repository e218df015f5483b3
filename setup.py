"""Installs ``libra_plugin``: Libra R-CNN parts, Lovasz hinge and IB focal loss for MMDetection / MMSegmentation."""
from setuptools import find_packages, setup

setup(
    name='libra_plugin',
    version='0.1.0',
    description='Libra R-CNN (IoU-balanced sampling, balanced feature pyramid, Balanced L1), Lovasz hinge and '
    'influence-balanced focal loss for MMDetection 3.3 and MMSegmentation 1.2',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    python_requires='>=3.10',
    packages=find_packages(include=['libra_plugin', 'libra_plugin.*']),
    install_requires=[
        'torch>=2.0',
        'mmengine==0.10.7',
        'mmcv==2.1.0',
        'mmdet==3.3.0',
        'mmsegmentation==1.2.2',
        'ftfy',
        'regex',
        'pycocotools',
        'faster-coco-eval>=1.6',
        'numpy',
    ],
    extras_require={
        'tests': ['pytest'],
    },
    license='Apache-2.0',
)
