"""k-means in pure torch on the features' device, seeded, for PiCIE's per-epoch clustering (Cho et al., CVPR 2021).

PiCIE (janghyuncho/PiCIE ``commons.py:run_mini_batch_kmeans``) clusters every training pixel's feature per epoch:
faiss k-means on the first ``init_batches`` batches, then per following group of batches each centroid moves to
``(1 − η) c + η · mean(batch points assigned to it)`` with ``η = n_batch / n_total`` (its running count). This
module does the same without faiss:

* :func:`kmeans` — Lloyd's algorithm from k-means++ seeds, squared Euclidean distance; an emptied cluster is
  re-seeded with the point farthest from its centroid (faiss splits a large cluster instead; both avoid empty ones).
* :class:`MiniBatchKMeans` — the running update above, the initial batches clustered by :func:`kmeans`.

Both take ``sync``: in a ``torch.distributed`` process group each process passes its own shard of the features,
every sum and count is all-reduced and the k-means++ seeds are drawn (with the same generator) from a sample
gathered from all processes, so every process ends with the same centroids.

Example:
    >>> g = torch.Generator().manual_seed(0)
    >>> x = torch.cat([torch.randn(50, 2, generator=g) * 0.1 + torch.tensor(c) for c in ([0., 0.], [5., 5.], [0., 5.])])
    >>> centroids, inertia = kmeans(x, 3, seed=0)
    >>> sorted(centroids.round().abs().tolist())
    [[0.0, 0.0], [0.0, 5.0], [5.0, 5.0]]
"""
from typing import List, Optional, Tuple

import torch
from torch import Tensor



def _check(x: Tensor, k: int) -> None:
    if not isinstance(k, int) or k < 2:
        raise ValueError(f'k (the number of clusters) must be an integer >= 2, got {k!r}')
    if x.dim() != 2:
        raise ValueError(f'features must be (N, D), got shape {tuple(x.shape)}')
    if not x.is_floating_point():
        raise TypeError(f'features must be floating point, got {x.dtype}')
    if x.numel():
        lo, hi = x.aminmax()
        if not bool(torch.isfinite(lo) & torch.isfinite(hi)):
            raise ValueError('features contain NaN or Inf: k-means cannot place centroids on them (check the '
                             'model output or lower the learning rate)')


def _world() -> int:
    import torch.distributed as dist
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def _sum(t: Tensor, sync: bool) -> Tensor:
    """Sum over processes (in place) when ``sync`` and a process group is initialised."""
    if sync and _world() > 1:
        import torch.distributed as dist
        dist.all_reduce(t)
    return t


def _gather_rows(x: Tensor, sync: bool) -> Tensor:
    """All processes' rows concatenated in rank order (``x`` itself in one process)."""
    if not (sync and _world() > 1):
        return x
    import torch.distributed as dist
    sizes = [torch.zeros(1, dtype=torch.long, device=x.device) for _ in range(_world())]
    dist.all_gather(sizes, torch.tensor([x.shape[0]], device=x.device))
    m = int(max(s.item() for s in sizes))
    padded = torch.cat([x, x.new_zeros(m - x.shape[0], x.shape[1])])
    parts = [torch.empty_like(padded) for _ in sizes]
    dist.all_gather(parts, padded)
    return torch.cat([p[:int(s.item())] for p, s in zip(parts, sizes)])


def assign(x: Tensor, centroids: Tensor, chunk: int = 65536) -> Tuple[Tensor, Tensor]:
    """Nearest centroid (squared Euclidean) of every row of ``x``: ``(labels (N,), squared distances (N,))``."""
    c2 = (centroids * centroids).sum(1)
    labels, dists = [], []
    for part in x.split(chunk):
        d = torch.addmm(c2, part, centroids.t(), alpha=-2)  # ‖c‖² − 2 x·c; + ‖x‖² after the min
        best, idx = d.min(1)
        labels.append(idx)
        dists.append((best + (part * part).sum(1)).clamp_min(0))
    if not labels:
        return torch.zeros(0, dtype=torch.long, device=x.device), x.new_zeros(0)
    return torch.cat(labels), torch.cat(dists)


def _sums(x: Tensor, labels: Tensor, k: int) -> Tuple[Tensor, Tensor]:
    sums = x.new_zeros(k, x.shape[1]).index_add_(0, labels, x)
    counts = torch.bincount(labels, minlength=k).to(x.dtype)
    return sums, counts


def kmeans_pp(x: Tensor, k: int, generator: torch.Generator) -> Tensor:
    """k-means++ seeds (Arthur & Vassilvitskii, 2007): the first uniformly, each next one ∝ its squared distance
    to the nearest seed so far. The draws use ``generator`` on the CPU, so they do not depend on the device."""
    if x.shape[0] < k:
        raise ValueError(f'k-means needs at least k = {k} points, got {x.shape[0]}')
    idx = [int(torch.randint(x.shape[0], (1, ), generator=generator))]
    d2 = ((x - x[idx[0]]) ** 2).sum(1)
    for _ in range(k - 1):
        w = d2.double().cpu()
        i = int(torch.multinomial(w if float(w.sum()) > 0 else torch.ones_like(w), 1, generator=generator))
        idx.append(i)
        d2 = torch.minimum(d2, ((x - x[i]) ** 2).sum(1))
    return x[idx].clone()


def lloyd(x: Tensor, centroids: Tensor, iters: int, sync: bool = False,
          spare: Optional[Tensor] = None) -> Tuple[Tensor, float]:
    """``iters`` Lloyd steps from ``centroids``; returns the centroids and the mean squared distance of the points
    to their nearest centroid (inertia per point). A cluster left empty is re-seeded with the point of ``spare``
    (default ``x``; the same on every process when ``sync``) farthest from its nearest centroid."""
    k = centroids.shape[0]
    spare = x if spare is None else spare
    for _ in range(iters):
        labels, _ = assign(x, centroids)
        sums, counts = _sums(x, labels, k)
        sums, counts = _sum(sums, sync), _sum(counts, sync)
        empty = counts == 0
        centroids = torch.where(empty[:, None], centroids, sums / counts.clamp_min(1)[:, None])
        for j in empty.nonzero().flatten().tolist():
            _, d = assign(spare, centroids)
            centroids[j] = spare[int(d.argmax())]
    _, d = assign(x, centroids)
    stats = _sum(torch.stack([d.sum(), d.new_tensor(float(d.numel()))]), sync)
    return centroids, float(stats[0] / stats[1].clamp_min(1))


def kmeans(x: Tensor, k: int, iters: int = 30, seed: int = 0, sync: bool = False,
           sample: int = 20000) -> Tuple[Tensor, float]:
    """k-means++ seeds (drawn from at most ``sample`` points per process) and ``iters`` Lloyd steps on all of
    ``x``; returns ``(centroids (k, D), inertia per point)``. With ``sync`` in a process group every process
    passes its own rows and all get the same centroids: the seed sample is gathered from all of them and every
    Lloyd step sums over all of them."""
    _check(x, k)
    g = torch.Generator().manual_seed(seed)
    pick = torch.randperm(x.shape[0], generator=g)[:sample].to(x.device)
    pool = _gather_rows(x[pick], sync)
    return lloyd(x, kmeans_pp(pool, k, g), iters, sync, spare=pool)


class MiniBatchKMeans:
    """PiCIE's mini-batch k-means over a stream of feature batches (see the module docstring).

    Args:
        k (int): Number of clusters, >= 2.
        init_batches (int): Batches pooled for the initial k-means. Defaults to 20.
        update_batches (int): Batches pooled per running update afterwards. Defaults to 1.
        iters (int): Lloyd steps of the initial k-means. Defaults to 30.
        seed (int): Seed of the k-means++ draws. Defaults to 0.
        sync (bool): Sum over the processes of a ``torch.distributed`` group. Defaults to False.

    ``partial_fit(batch)`` takes ``(N, D)`` features; ``finish()`` returns the centroids (and clusters the pooled
    batches if the stream ended before ``init_batches``).
    """

    def __init__(self, k: int, init_batches: int = 20, update_batches: int = 1, iters: int = 30, seed: int = 0,
                 sync: bool = False) -> None:
        if not isinstance(k, int) or k < 2:
            raise ValueError(f'k (the number of clusters) must be an integer >= 2, got {k!r}')
        for name, v in (('init_batches', init_batches), ('update_batches', update_batches), ('iters', iters)):
            if not isinstance(v, int) or v < 1:
                raise ValueError(f'{name} must be an integer >= 1, got {v!r}')
        self.k, self.init_batches, self.update_batches, self.iters = k, init_batches, update_batches, iters
        self.seed, self.sync = seed, sync
        self.centroids: Optional[Tensor] = None
        self.counts: Optional[Tensor] = None
        self.inertia: float = float('nan')
        self._pool: List[Tensor] = []

    def partial_fit(self, x: Tensor) -> None:
        _check(x, self.k)
        self._pool.append(x)
        if len(self._pool) >= (self.init_batches if self.centroids is None else self.update_batches):
            self._flush()

    def _flush(self) -> None:
        if not self._pool:
            return
        x = torch.cat(self._pool)
        self._pool = []
        if self.centroids is None:
            self.centroids, self.inertia = kmeans(x, self.k, self.iters, self.seed, self.sync)
            labels, _ = assign(x, self.centroids)
            self.counts = _sum(torch.bincount(labels, minlength=self.k).to(x.dtype), self.sync)
            return
        labels, _ = assign(x, self.centroids)
        sums, counts = _sums(x, labels, self.k)
        sums, counts = _sum(sums, self.sync), _sum(counts, self.sync)
        self.counts = self.counts + counts
        eta = (counts / self.counts.clamp_min(1e-6))[:, None]  # η = n_batch / n_total (PiCIE)
        mean = sums / counts.clamp_min(1)[:, None]
        self.centroids = torch.where(counts[:, None] > 0, (1 - eta) * self.centroids + eta * mean, self.centroids)

    def finish(self) -> Tensor:
        self._flush()
        if self.centroids is None:
            raise ValueError('MiniBatchKMeans saw no features')
        return self.centroids
