"""COCO-Stuff with PiCIE's 27 coarse classes (COCO-Stuff-27), the benchmark of unsupervised segmentation."""
from mmseg.datasets import BaseSegDataset

from libra_plugin.registry import DATASETS

# fine label id (0-181 in cocostuff's stuffthingmaps) -> coarse class, from PiCIE's fine_to_coarse_dict.pickle
# (janghyuncho/PiCIE; the same table is inline in mhamilton723/STEGO src/data.py); 255 stays unlabelled
FINE_TO_COARSE = (
    9, 11, 11, 11, 11, 11, 11, 11, 11, 8, 8, 8, 8, 8, 8, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6,
    6, 6, 6, 6, 6, 6, 6, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 5, 5, 5, 5, 5, 5, 5, 5, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0, 0, 1,
    1, 1, 1, 1, 1, 4, 4, 4, 4, 4, 4, 4, 4, 17, 17, 22, 20, 20, 22, 15, 25, 16, 13, 12, 12, 17,
    17, 23, 15, 15, 17, 15, 21, 15, 25, 13, 13, 13, 13, 13, 22, 26, 14, 14, 15, 22, 21, 21, 24, 20, 22, 15,
    17, 16, 15, 22, 24, 21, 17, 25, 16, 21, 17, 22, 16, 21, 21, 25, 21, 26, 21, 24, 20, 17, 14, 21, 26, 15,
    23, 20, 21, 24, 15, 24, 22, 25, 15, 20, 17, 17, 22, 14, 18, 18, 18, 18, 18, 18, 18, 26, 26, 19, 19, 24,
)
COARSE_CLASSES = (
    'electronic', 'appliance', 'food-things', 'furniture-things', 'indoor', 'kitchen', 'accessory', 'animal',
    'outdoor', 'person', 'sports', 'vehicle',  # 0-11: things
    'ceiling', 'floor', 'food-stuff', 'furniture-stuff', 'rawmaterial', 'textile', 'wall', 'window', 'building',
    'ground', 'plant', 'sky', 'solid', 'structural', 'water')  # 12-26: stuff
THINGS, STUFF = COARSE_CLASSES[:12], COARSE_CLASSES[12:]


@DATASETS.register_module()
class CocoStuff27Dataset(BaseSegDataset):
    """COCO-Stuff-27 in PiCIE's layout: ``images/{split}2017/ID.jpg`` and the 182-class label maps
    ``annotations/{split}2017/ID.png`` (cocostuff's ``stuffthingmaps_trainval2017``: fine ids 0-181, 255
    unlabelled), mapped to the 27 coarse classes. ``ann_file`` is an image-id list such as PiCIE's curated
    ``curated/{train,val}2017/Coco164kFull_Stuff_Coarse_7.txt`` (49,629 / 2,175 images).

    Args:
        **kwargs: ``BaseSegDataset`` arguments (``data_root``, ``ann_file``, ``data_prefix``, ``pipeline``...).
    """

    METAINFO = dict(classes=COARSE_CLASSES)

    def __init__(self, img_suffix: str = '.jpg', seg_map_suffix: str = '.png', lazy_init: bool = False,
                 **kwargs) -> None:
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, lazy_init=True, **kwargs)
        self.label_map = {fine: coarse for fine, coarse in enumerate(FINE_TO_COARSE)}
        self._metainfo.update(label_map=self.label_map)
        if not lazy_init:
            self.full_init()
