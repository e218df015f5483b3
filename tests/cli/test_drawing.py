"""The --show-dir pictures get a caption over each half (ground truth | prediction), and only pictures that are two
source images wide."""
import cv2
import numpy as np

from libra_plugin.cli.drawing import caption_halves


def test_captions_each_half_of_a_side_by_side_picture(tmp_path):
    rng = np.random.default_rng(0)
    pair = rng.integers(40, 200, (120, 200, 3)).astype(np.uint8)  # two 100-px-wide halves
    single = rng.integers(40, 200, (120, 100, 3)).astype(np.uint8)
    cv2.imwrite(str(tmp_path / 'a.png'), pair)
    cv2.imwrite(str(tmp_path / 'b.png'), single)
    assert caption_halves(str(tmp_path), dict(a=100, b=100)) == 1
    out = cv2.imread(str(tmp_path / 'a.png'))
    for x in (0, 100):
        band = out[:20, x:x + 60]
        assert (band == 0).mean() > 0.3 and (band > 200).any()  # black band, white text
    np.testing.assert_array_equal(out[40:], pair[40:])  # nothing else changed
    np.testing.assert_array_equal(cv2.imread(str(tmp_path / 'b.png')), single)  # a prediction alone: untouched
