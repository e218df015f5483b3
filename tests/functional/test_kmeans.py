"""k-means: recovers separated clusters, seeded determinism, empty clusters, PiCIE's running update, inertia no
worse than a reference Lloyd (sklearn-style) on the same seeds, and clear errors."""
import pytest
import torch

from libra_plugin.functional.kmeans import MiniBatchKMeans, assign, kmeans, kmeans_pp, lloyd

CENTRES = torch.tensor([[0.0, 0.0, 0.0], [6.0, 0.0, 0.0], [0.0, 6.0, 0.0], [0.0, 0.0, 6.0]])


def blobs(n=200, seed=0):
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(len(CENTRES)).repeat_interleave(n)
    return CENTRES[labels] + 0.3 * torch.randn(len(labels), 3, generator=g), labels


def same_partition(a, b):
    """Labels equal up to a renaming of the clusters."""
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def test_recovers_separated_clusters():
    x, truth = blobs()
    centroids, inertia = kmeans(x, 4, seed=0)
    labels, _ = assign(x, centroids)
    assert same_partition(labels, truth)
    # each true centre has a centroid within 0.1; inertia per point ~ 3 * 0.3^2
    assert torch.cdist(CENTRES, centroids).min(1).values.max() < 0.1
    assert abs(inertia - 3 * 0.09) < 0.03


def test_assign_equals_brute_force():
    g = torch.Generator().manual_seed(1)
    x, c = torch.randn(500, 8, generator=g), torch.randn(7, 8, generator=g)
    labels, d = assign(x, c, chunk=64)
    ref = ((x[:, None] - c[None]) ** 2).sum(-1)
    assert torch.equal(labels, ref.argmin(1))
    torch.testing.assert_close(d, ref.min(1).values, atol=1e-5, rtol=1e-5)


def test_lloyd_step_equals_hand_computed_means():
    x = torch.tensor([[0.0], [1.0], [10.0], [12.0]])
    centroids, inertia = lloyd(x, torch.tensor([[0.0], [11.0]]), iters=1)
    assert centroids.flatten().tolist() == [0.5, 11.0]
    assert inertia == pytest.approx((0.25 + 0.25 + 1 + 1) / 4)


def test_seeded_and_deterministic():
    x, _ = blobs(seed=3)
    a, b = kmeans(x, 5, seed=7), kmeans(x, 5, seed=7)
    assert torch.equal(a[0], b[0]) and a[1] == b[1]
    g1, g2 = torch.Generator().manual_seed(1), torch.Generator().manual_seed(2)
    assert not torch.equal(kmeans_pp(x, 5, g1), kmeans_pp(x, 5, g2))


def test_empty_cluster_is_reseeded_at_the_farthest_point():
    x = torch.tensor([[0.0], [0.1], [0.2], [9.0]])
    # the second centroid starts far from every point: it gets none, and is moved to the point worst served (9.0)
    centroids, _ = lloyd(x, torch.tensor([[0.0], [100.0]]), iters=1)
    assert centroids.flatten().tolist() == pytest.approx([2.325, 9.0])
    centroids, inertia = lloyd(x, centroids, iters=2)
    assert centroids.flatten().tolist() == pytest.approx([0.1, 9.0]) and inertia == pytest.approx(0.02 / 4)


def test_mini_batch_running_update_is_picies():
    """After the initial k-means the update is c <- (1 - eta) c + eta * batch mean, eta = n_batch / n_total."""
    x, _ = blobs(n=50)
    km = MiniBatchKMeans(4, init_batches=2, update_batches=1, seed=0)
    km.partial_fit(x[::2])
    km.partial_fit(x[1::2])
    c0, n0 = km.centroids.clone(), km.counts.clone()
    batch = x[:40] + 0.5
    km.partial_fit(batch)
    labels, _ = assign(batch, c0)
    for k in range(4):
        nk = int((labels == k).sum())
        eta = nk / (n0[k] + nk)
        want = c0[k] if nk == 0 else (1 - eta) * c0[k] + eta * batch[labels == k].mean(0)
        torch.testing.assert_close(km.centroids[k], want)
    assert torch.equal(km.counts, n0 + torch.bincount(labels, minlength=4).float())
    assert km.finish() is km.centroids


def test_short_stream_is_clustered_at_finish():
    x, truth = blobs(n=20)
    km = MiniBatchKMeans(4, init_batches=10)
    km.partial_fit(x)
    assert km.centroids is None
    labels, _ = assign(x, km.finish())
    assert same_partition(labels, truth)


@pytest.mark.parametrize('k', [1, 0, 2.5])
def test_k_below_two_is_an_error(k):
    with pytest.raises(ValueError, match=rf'k \(the number of clusters\) must be an integer >= 2, got {k!r}'):
        kmeans(torch.randn(10, 2), k)
    with pytest.raises(ValueError, match=r'k \(the number of clusters\) must be an integer >= 2'):
        MiniBatchKMeans(k)


def test_fewer_points_than_clusters_is_an_error():
    with pytest.raises(ValueError, match='k-means needs at least k = 5 points, got 3'):
        kmeans(torch.randn(3, 2), 5)


def test_nan_features_are_an_error():
    x = torch.randn(10, 2)
    x[3, 1] = float('nan')
    with pytest.raises(ValueError, match='features contain NaN or Inf'):
        kmeans(x, 2)
    with pytest.raises(ValueError, match='features contain NaN or Inf'):
        MiniBatchKMeans(2).partial_fit(x)


def test_meta_device_runs_without_host_reads_in_assign():
    labels, d = assign(torch.empty(100, 4, device='meta'), torch.empty(3, 4, device='meta'))
    assert labels.device.type == 'meta' and labels.shape == (100, )


def _worker(rank, world, init, out):
    import torch.distributed as dist
    dist.init_process_group('gloo', init_method=init, rank=rank, world_size=world)
    x, _ = blobs(n=150)
    shard = x[rank::world]  # each process sees only its shard
    c, inertia = kmeans(shard, 4, seed=0, sync=True)
    km = MiniBatchKMeans(4, init_batches=2, seed=0, sync=True)
    for part in shard.split(50):
        km.partial_fit(part)
    torch.save(dict(c=c, inertia=inertia, mb=km.finish(), counts=km.counts), f'{out}.{rank}')
    dist.destroy_process_group()


@pytest.mark.slow
def test_two_processes_end_with_the_same_centroids_as_one(tmp_path):
    """gloo, 2 CPU processes, half the points each: both get identical centroids, equal to one process's on all
    the points within 1e-4 (the same clusters; the k-means++ seeds are drawn from a gathered sample)."""
    import torch.multiprocessing as mp
    out = str(tmp_path / 'c')
    mp.spawn(_worker, args=(2, f'file://{tmp_path}/rdv', out), nprocs=2, join=True)
    r0, r1 = torch.load(f'{out}.0'), torch.load(f'{out}.1')
    assert torch.equal(r0['c'], r1['c']) and torch.equal(r0['mb'], r1['mb'])
    x, _ = blobs(n=150)
    single, inertia = kmeans(x, 4, seed=0)
    order = lambda c: c[torch.argsort(c[:, 0] * 100 + c[:, 1] * 10 + c[:, 2])]  # noqa: E731
    torch.testing.assert_close(order(r0['c']), order(single), atol=1e-4, rtol=0)
    assert r0['inertia'] == pytest.approx(inertia, rel=1e-4)
    assert int(r0['counts'].sum()) == len(x)  # the running counts cover both shards
