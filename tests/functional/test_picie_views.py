"""PiCIE's views: parameters fixed by (seed, epoch, index, view), photometric maths, and the equivariance of the
crop/flip (on a feature map it equals the crop/flip of the image's features for a pointwise model)."""
import pytest
import torch

from libra_plugin.functional.picie_views import _hsv_to_rgb, _rgb_to_hsv, crop_flip, draw_view, photometric

NONE = dict(brightness=None, contrast=None, saturation=None, hue=None, grey=False, sigma=None)


def test_parameters_are_a_function_of_seed_epoch_index_view():
    assert draw_view(0, 3, 17, 1) == draw_view(0, 3, 17, 1)
    assert draw_view(0, 3, 17, 1) != draw_view(0, 3, 17, 2)  # the two views differ
    assert draw_view(0, 3, 17, 0) != draw_view(0, 4, 17, 0)  # a new draw every epoch
    assert draw_view(0, 3, 17, 0) != draw_view(1, 3, 17, 0)


def test_crop_is_picies_side_fraction_by_default_and_torchvisions_area_on_request():
    sides = []
    for i in range(500):  # PiCIE: each side a fraction U(0.5, 1) of the image's side (zoom up to 2x)
        top, left, h, w = draw_view(0, 0, i, 0)['box']
        assert h == w and 0.5 <= h <= 1 and 0 <= top <= 1 - h and 0 <= left <= 1 - w
        sides.append(h)
    assert min(sides) < 0.52 and max(sides) > 0.98 and abs(sum(sides) / 500 - 0.75) < 0.02
    areas = []
    for i in range(500):  # torchvision: the area a fraction U(0.5, 1), the aspect jittered
        top, left, h, w = draw_view(0, 0, i, 0, crop='area')['box']
        assert 0.5 - 1e-6 <= h * w <= 1 and 0 <= top <= 1 - h and 0 <= left <= 1 - w
        areas.append(h * w)
    assert min(areas) < 0.52 and any(abs(h - w) > 0.05 for h, w in
                                     (draw_view(0, 0, i, 0, crop='area')['box'][2:] for i in range(20)))
    with pytest.raises(ValueError, match=r"view option crop must be one of \('side', 'area'\), got 'square'"):
        draw_view(0, 0, 0, 0, crop='square')


def test_probabilities_match_the_options():
    draws = [draw_view(0, 0, i, 1) for i in range(2000)]
    assert abs(sum(d['brightness'] is not None for d in draws) / 2000 - 0.8) < 0.03
    assert abs(sum(d['grey'] for d in draws) / 2000 - 0.2) < 0.03
    assert abs(sum(d['sigma'] is not None for d in draws) / 2000 - 0.5) < 0.03
    assert all(0.7 <= d['contrast'] <= 1.3 for d in draws if d['contrast'] is not None)
    flips = [draw_view(0, 0, i, 0)['flip'] for i in range(2000)]
    assert abs(sum(flips) / 2000 - 0.5) < 0.04
    with pytest.raises(ValueError, match=r"unknown view options \['jiter'\]"):
        draw_view(0, 0, 0, 1, jiter=0.2)


def test_photometric_maths():
    g = torch.Generator().manual_seed(0)
    img = torch.rand(3, 6, 5, generator=g)
    assert torch.equal(photometric(img, NONE), img)
    torch.testing.assert_close(photometric(img, dict(NONE, brightness=0.5)), img * 0.5)
    grey = 0.299 * img[0] + 0.587 * img[1] + 0.114 * img[2]
    torch.testing.assert_close(photometric(img, dict(NONE, saturation=0.0)), grey.expand(3, -1, -1))
    torch.testing.assert_close(photometric(img, dict(NONE, grey=True)), grey.expand(3, -1, -1))
    m = grey.mean()
    torch.testing.assert_close(photometric(img, dict(NONE, contrast=0.5)), ((img - m) * 0.5 + m).clamp(0, 1))
    torch.testing.assert_close(_hsv_to_rgb(_rgb_to_hsv(img)), img, atol=1e-5, rtol=0)
    # a hue shift of 1/3 turns pure red into pure green
    red = torch.zeros(3, 1, 1)
    red[0] = 1
    assert photometric(red, dict(NONE, hue=1 / 3)).flatten().tolist() == pytest.approx([0, 1, 0], abs=1e-5)
    blurred = photometric(img, dict(NONE, sigma=1.0))
    assert blurred.shape == img.shape and blurred.mean().item() == pytest.approx(img.mean().item(), abs=0.05)
    assert blurred.std() < img.std()


def test_crop_flip_identity_flip_and_quadrant():
    x = torch.rand(2, 4, 8, 8)
    assert torch.equal(crop_flip(x, [(0, 0, 1, 1)] * 2, [False, False], (8, 8)), x)
    assert torch.equal(crop_flip(x, [(0, 0, 1, 1)] * 2, [True, True], (8, 8)), x.flip(-1))
    torch.testing.assert_close(crop_flip(x, [(0.5, 0.5, 0.5, 0.5)] * 2, [False, True], (4, 4)),
                               torch.stack([x[0, :, 4:, 4:], x[1, :, 4:, 4:].flip(-1)]))
    with pytest.raises(ValueError, match='one box and one flip per image: 2 images, 1 boxes, 2 flips'):
        crop_flip(x, [(0, 0, 1, 1)], [False, True], (4, 4))


def test_equivariance_feature_crop_equals_image_crop_for_a_pointwise_model():
    """View 2 crops the feature map, view 1 the image: for a model that acts per pixel they agree exactly."""
    torch.manual_seed(0)
    model = torch.nn.Conv2d(3, 5, 1)
    img = torch.rand(3, 3, 16, 24)
    geo = [draw_view(0, 1, i, 0) for i in range(3)]
    boxes, flips = [g['box'] for g in geo], [g['flip'] for g in geo]
    with torch.no_grad():
        a = model(crop_flip(img, boxes, flips, (8, 12)))
        b = crop_flip(model(img), boxes, flips, (8, 12))
    torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-6)
    const = torch.full((3, 5, 16, 24), 2.5)  # a constant model's features are unchanged by any crop/flip
    torch.testing.assert_close(crop_flip(const, boxes, flips, (8, 12)), torch.full((3, 5, 8, 12), 2.5))
