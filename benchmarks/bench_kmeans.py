"""k-means: ``functional.kmeans.kmeans`` (pure torch) vs faiss-cpu's ``faiss.Kmeans`` on the same features and
iterations: median time of each, their ratio, and the inertia per point each reaches (lower is better).

    python benchmarks/bench_kmeans.py [--points 200000] [--dim 128] [--k 27] [--iters 20] [--repeats 3]

The features are PiCIE-like: L2-normalised 128-d vectors drawn around k random directions. faiss-cpu is optional
(``pip install faiss-cpu``); without it only ours is timed.
"""
import argparse
import time

import torch
import torch.nn.functional as F

from libra_plugin.functional.kmeans import assign, kmeans


def features(n: int, d: int, k: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    centres = F.normalize(torch.randn(k, d, generator=g), dim=1)
    which = torch.randint(k, (n, ), generator=g)
    return F.normalize(centres[which] + 0.35 * torch.randn(n, d, generator=g), dim=1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--points', type=int, default=200000)
    p.add_argument('--dim', type=int, default=128)
    p.add_argument('--k', type=int, default=27)
    p.add_argument('--iters', type=int, default=20)
    p.add_argument('--repeats', type=int, default=3)
    a = p.parse_args()
    x = features(a.points, a.dim, a.k)
    rows = {}
    ours_t, faiss_t = [], []
    for r in range(a.repeats):  # alternate, so drifts of the machine hit both alike
        start = time.perf_counter()
        c, _ = kmeans(x, a.k, iters=a.iters, seed=r)
        ours_t.append(time.perf_counter() - start)
        rows.setdefault('ours', []).append(float(assign(x, c)[1].mean()))
        try:
            import faiss
        except ImportError:
            continue
        xn = x.numpy()
        km = faiss.Kmeans(a.dim, a.k, niter=a.iters, seed=r, max_points_per_centroid=10**7)
        start = time.perf_counter()
        km.train(xn)
        faiss_t.append(time.perf_counter() - start)
        rows.setdefault('faiss', []).append(float(assign(x, torch.from_numpy(km.centroids))[1].mean()))
    med = lambda v: sorted(v)[len(v) // 2]  # noqa: E731
    print(f'{a.points} points x {a.dim} dims, k = {a.k}, {a.iters} iterations, torch threads {torch.get_num_threads()}')
    print(f"ours : {med(ours_t) * 1e3:8.1f} ms   inertia/point {med(rows['ours']):.5f}")
    if faiss_t:
        print(f"faiss: {med(faiss_t) * 1e3:8.1f} ms   inertia/point {med(rows['faiss']):.5f}")
        print(f'ratio ours / faiss: time {med(ours_t) / med(faiss_t):.2f}x, inertia '
              f"{med(rows['ours']) / med(rows['faiss']):.4f}x")


if __name__ == '__main__':
    main()
