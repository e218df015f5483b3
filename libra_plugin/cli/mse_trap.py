"""Reproduce the MSE trap: with several identical dots and one (unmarked) target, MSE predicts their midpoint.

Task (16 x 16 black images, K identical white dots, one chosen at random as the target, coordinates normalised to
[0, 1]) and model (Conv 2 filters 5 x 5 -> flatten -> Dense 16 relu -> Dense 2) as in the reference task. The same
model is trained from the same initialisation with MSE, MAE and GaussianL1 (L1 + an inverted Gaussian well) for
several widths sigma, and scored on held-out images:

* hit rate: the predicted pixel holds a dot (any dot: the target cannot be told apart);
* mean distance (pixels) from the prediction to the nearest dot, and to the midpoint of the dots.

    python -m libra_plugin mse-trap [--out-dir work_dirs/mse_trap] [--quick]

Prints a markdown table, writes results.json and one PNG grid per loss (prediction green on a hit, cyan on a miss)
plus overview.png with a row per loss.
"""
import argparse
import json
import os
import os.path as osp
from typing import Callable, Dict, List, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from libra_plugin.models import GaussianL1Loss

SIZE = 16


def make_dots(n: int, k: int, rng: np.random.Generator) -> Tuple[torch.Tensor, np.ndarray, torch.Tensor]:
    """``n`` images with ``k`` dots at distinct pixels at least 2 apart; returns images, dot pixels, targets.

    Returns:
        images ``(n, 1, 16, 16)`` float, dots ``(n, k, 2)`` integer (x, y) pixels, targets ``(n, 2)`` in [0, 1]
        (pixel centres: ``(x + 0.5) / 16``).
    """
    dots = np.zeros((n, k, 2), dtype=np.int64)
    for i in range(n):
        chosen: List[Tuple[int, int]] = []
        while len(chosen) < k:
            x, y = rng.integers(0, SIZE, size=2)
            if all(max(abs(x - a), abs(y - b)) >= 2 for a, b in chosen):
                chosen.append((int(x), int(y)))
        dots[i] = chosen
    images = np.zeros((n, 1, SIZE, SIZE), dtype=np.float32)
    rows = np.repeat(np.arange(n), k)
    images[rows, 0, dots[:, :, 1].ravel(), dots[:, :, 0].ravel()] = 1.0
    pick = dots[np.arange(n), rng.integers(0, k, size=n)]
    return torch.from_numpy(images), dots, torch.from_numpy((pick + 0.5) / SIZE).float()


def dot_net() -> nn.Module:
    """The seed's model: Conv2D(2, 5x5) -> Flatten -> Dense(16, relu) -> Dense(2)."""
    return nn.Sequential(nn.Conv2d(1, 2, 5), nn.Flatten(), nn.Linear(2 * 12 * 12, 16), nn.ReLU(), nn.Linear(16, 2))


def loss_functions() -> Dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]]:
    fns = {'MSE': F.mse_loss, 'MAE': F.l1_loss}
    for sigma in (0.1, 0.02, 0.3):
        fns[f'GaussianL1 sigma={sigma}'] = GaussianL1Loss(sigma=sigma)
    return fns


def train(loss_fn, images: torch.Tensor, targets: torch.Tensor, epochs: int, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    model = dot_net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(images), generator=gen).split(32):
            opt.zero_grad()
            loss_fn(model(images[idx]), targets[idx]).backward()
            opt.step()
    return model


def score(pred: torch.Tensor, dots: np.ndarray) -> Dict[str, float]:
    p = pred.detach().numpy() * SIZE  # pixel units
    pix = np.clip(np.floor(p), 0, SIZE - 1).astype(np.int64)
    hit = (dots == pix[:, None, :]).all(-1).any(-1)
    centres = dots + 0.5
    nearest = np.linalg.norm(centres - p[:, None, :], axis=-1).min(-1)
    midpoint = np.linalg.norm(centres.mean(1) - p, axis=-1)
    return dict(hit_rate=float(hit.mean()), dist_nearest_dot=float(nearest.mean()),
                dist_midpoint=float(midpoint.mean())), hit


def draw_grid(images: torch.Tensor, pred: torch.Tensor, hit: np.ndarray, num: int = 8, scale: int = 8) -> np.ndarray:
    """``num`` images side by side, upscaled, prediction as a filled square: green on a hit, cyan on a miss."""
    tiles = []
    for i in range(num):
        tile = np.repeat(np.repeat(images[i, 0].numpy(), scale, 0), scale, 1)
        tile = (np.stack([tile] * 3, -1) * 255).astype(np.uint8)
        x, y = (pred[i].detach().numpy() * SIZE * scale).astype(int).clip(2, SIZE * scale - 3)
        tile[y - 2:y + 3, x - 2:x + 3] = (0, 200, 0) if hit[i] else (0, 220, 220)
        tile[:, -1] = 90  # separator
        tiles.append(tile)
    return np.concatenate(tiles, axis=1)


def run(out_dir: str, quick: bool = False, seed: int = 0, ks: Tuple[int, ...] = (2, 3),
        losses: Tuple[str, ...] = ()) -> List[Dict[str, object]]:
    """Train and score every loss (or those named in ``losses``) for every dot count in ``ks``."""
    n_train, n_test, epochs = (8000, 500, 8) if quick else (20000, 2000, 15)
    os.makedirs(out_dir, exist_ok=True)
    rows, overview = [], []
    for k in ks:
        rng = np.random.default_rng(seed + k)
        train_x, _, train_t = make_dots(n_train, k, rng)
        test_x, test_dots, _ = make_dots(n_test, k, rng)
        for name, fn in loss_functions().items():
            if losses and name not in losses:
                continue
            model = train(fn, train_x, train_t, epochs, seed)
            with torch.no_grad():
                pred = model(test_x)
            metrics, hit = score(pred, test_dots)
            rows.append(dict(dots=k, loss=name, **metrics))
            grid = draw_grid(test_x, pred, hit)
            tag = name.replace(' ', '_').replace('=', '')
            _write_png(osp.join(out_dir, f'k{k}_{tag}.png'), grid)
            overview.append(_label(grid, f'K={k} {name}: hits {metrics["hit_rate"]:.0%}'))
    _write_png(osp.join(out_dir, 'overview.png'), np.concatenate(overview, axis=0))
    with open(osp.join(out_dir, 'results.json'), 'w') as f:
        json.dump(dict(seed=seed, quick=quick, n_train=n_train, n_test=n_test, epochs=epochs, rows=rows), f, indent=1)
    return rows


def _label(grid: np.ndarray, text: str) -> np.ndarray:
    import cv2
    band = np.full((18, grid.shape[1], 3), 255, dtype=np.uint8)
    cv2.putText(band, text, (4, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([band, grid], axis=0)


def _write_png(path: str, rgb: np.ndarray) -> None:
    import cv2
    cv2.imwrite(path, rgb[:, :, ::-1])


def print_table(rows: List[Dict[str, object]]) -> None:
    print('| dots | loss | hit rate | dist. to nearest dot (px) | dist. to midpoint (px) |')
    print('|---|---|---|---|---|')
    for r in rows:
        print(f"| {r['dots']} | {r['loss']} | {r['hit_rate']:.1%} | {r['dist_nearest_dot']:.2f} | "
              f"{r['dist_midpoint']:.2f} |")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog='python -m libra_plugin mse-trap', description=__doc__.splitlines()[0])
    parser.add_argument('--out-dir', default='work_dirs/mse_trap')
    parser.add_argument('--quick', action='store_true', help='small data and few epochs (tests)')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # a model this small runs fastest on one thread
    rows = run(args.out_dir, args.quick, args.seed)
    print_table(rows)
    print(f'\nfigures and results.json in {args.out_dir}')


if __name__ == '__main__':
    main()
