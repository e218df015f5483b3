"""PiCIEClusterHook on a tiny PiCIE and a stand-in runner: each view's labels are the nearest of that view's own
centroids to that view's own features, the weights are the clusters' frequencies, ``centroids[0]`` belongs to view
1, the initial pool is reshuffled every epoch, and the evaluation clusters are a k-means of the un-augmented
images that prediction uses."""
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from mmengine.logging import MMLogger
from mmseg.structures import SegDataSample

from libra_plugin.engine import PiCIEClusterHook
from libra_plugin.functional.kmeans import assign
from picie_helpers import K, tiny  # tests/ is on the path

N = 8


class Images(torch.utils.data.Dataset):
    def __init__(self):
        g = torch.Generator().manual_seed(0)
        self.images = torch.randint(0, 256, (N, 3, 64, 96), generator=g, dtype=torch.uint8)
        self.seen = []

    def __len__(self):
        return N

    def __getitem__(self, i):
        self.seen.append(i)
        meta = dict(sample_idx=i, img_shape=(64, 96), ori_shape=(64, 96))
        return dict(inputs=self.images[i], data_samples=SegDataSample(metainfo=meta))


def runner_for(model, epoch=0, seed=0):
    loader = SimpleNamespace(dataset=Images())
    return SimpleNamespace(model=model, train_dataloader=loader, _train_dataloader=loader, seed=seed, epoch=epoch,
                           logger=MMLogger.get_instance('test_picie_cluster_hook'), val_loop=object(),
                           train_loop=SimpleNamespace(max_epochs=10, val_interval=1, val_begin=1))


def preprocessed(model, runner):
    """The training images as the hook's passes see them (the data preprocessor: BGR -> RGB)."""
    dataset = runner.train_dataloader.dataset
    return model.data_preprocessor(dict(inputs=list(dataset.images), data_samples=None), False)['inputs']


def flat(f):
    return f.permute(0, 2, 3, 1).reshape(-1, f.shape[1])


@pytest.fixture
def clustered(mmseg_scope):
    torch.manual_seed(0)
    model = tiny()
    runner = runner_for(model)
    PiCIEClusterHook(batch_size=4, init_batches=2).before_train_epoch(runner)  # the whole set in the initial pool
    return model, runner


def test_labels_weights_and_centroids_belong_to_their_own_view(clustered):
    model, runner = clustered
    images = preprocessed(model, runner)
    model.eval()  # as the hook embeds
    with torch.no_grad():
        feats = {v: model.view_features(images, list(range(N)), v) for v in (1, 2)}
    assert not torch.allclose(model.centroids[0], model.centroids[1])
    for v in (1, 2):
        x, c = flat(feats[v]), model.centroids[v - 1]
        expected, _ = assign(x, c)
        labels = torch.stack([model.pseudo_labels[v][i] for i in range(N)]).long()
        assert torch.equal(labels.flatten(), expected)  # this view's features, this view's centroids
        other, _ = assign(x, model.centroids[2 - v])
        assert not torch.equal(labels.flatten(), other)
        counts = torch.bincount(expected, minlength=K).float()
        torch.testing.assert_close(model.cluster_weight[v - 1], counts / counts.sum())  # frequency, not inverse
        # the whole set was pooled: the centroids are k-means centroids of this view's features (means of their
        # members); the other view's features give other means
        means = torch.stack([x[expected == k].mean(0) for k in range(K)])
        torch.testing.assert_close(c, means, atol=1e-4, rtol=1e-4)
        other_means = torch.stack([flat(feats[3 - v])[expected == k].mean(0) for k in range(K)])
        assert (c - other_means).abs().max() > 1e-2


def test_initial_pool_is_reshuffled_every_epoch(mmseg_scope):
    model = tiny()
    hook = PiCIEClusterHook(batch_size=4, init_batches=1)
    orders = []
    for epoch in (0, 1):
        runner = runner_for(model, epoch=epoch)
        hook.before_train_epoch(runner)
        orders.append(runner.train_dataloader.dataset.seen[:4])  # the images of the first (initial-pool) batch
    assert orders[0] != orders[1] and orders[0] != [0, 1, 2, 3]


def test_evaluation_clusters_are_a_kmeans_of_the_unaugmented_images_and_predict_uses_them(clustered):
    model, runner = clustered
    hook = PiCIEClusterHook(batch_size=4, init_batches=2)
    assert not model.has_eval_clusters()
    hook.after_train_epoch(runner)  # a validation follows every epoch (val_interval 1): fresh clusters now
    assert model.has_eval_clusters()
    images = preprocessed(model, runner)
    assert model.training  # the hook restores the mode it found
    model.eval()
    with torch.no_grad():
        x = flat(model.eval_features(images))
    labels, _ = assign(x, model.eval_centroids)
    means = torch.stack([x[labels == k].mean(0) for k in range(K)])
    torch.testing.assert_close(model.eval_centroids, means, atol=1e-4, rtol=1e-4)
    model.eval()
    data = model.data_preprocessor(dict(inputs=[images[0]], data_samples=[
        SegDataSample(metainfo=dict(sample_idx=0, img_shape=(64, 96), ori_shape=(64, 96)))]), False)
    with torch.no_grad():
        pred = model(**data, mode='predict')[0].pred_sem_seg.data[0]
        feats = F.normalize(model.embed(data['inputs'].float() / 255), dim=1)

        def nearest(c):
            logits = F.conv2d(feats, c[:, :, None, None])
            return F.interpolate(logits, size=(64, 96), mode='bilinear', align_corners=False).argmax(1)[0]

    assert torch.equal(pred, nearest(model.eval_centroids))
    assert not torch.equal(pred, nearest(model.centroids[0])) and not torch.equal(pred, nearest(model.centroids[1]))


def test_evaluation_clusters_only_when_a_validation_follows(clustered):
    model, runner = clustered
    runner.train_loop = SimpleNamespace(max_epochs=10, val_interval=5, val_begin=1)
    PiCIEClusterHook(batch_size=4, init_batches=2).after_train_epoch(runner)  # epoch 1 of 10, validation at 5
    assert not model.has_eval_clusters()
    runner.val_loop = None  # no validation configured: only after the last epoch
    runner.epoch = 4
    PiCIEClusterHook(batch_size=4, init_batches=2).after_train_epoch(runner)
    assert not model.has_eval_clusters()
    runner.epoch = 9
    PiCIEClusterHook(batch_size=4, init_batches=2).after_train_epoch(runner)
    assert model.has_eval_clusters()
    runner.val_loop, runner.epoch = object(), 4
    model.eval_centroids.zero_()
    PiCIEClusterHook(batch_size=4, init_batches=2).after_train_epoch(runner)  # epoch 5: validated
    assert model.has_eval_clusters()


def test_validation_without_clusters_computes_them_and_no_train_loader_is_an_error(clustered):
    model, runner = clustered
    PiCIEClusterHook(batch_size=4, init_batches=2).before_test_epoch(runner)
    assert model.has_eval_clusters()
    runner._train_dataloader = None
    model.eval_centroids.zero_()
    with pytest.raises(ValueError, match='PiCIEClusterHook clusters the training images, also for evaluation: the '
                                         'config needs train_dataloader'):
        PiCIEClusterHook(batch_size=4, init_batches=2).before_val_epoch(runner)


def test_cached_features_give_the_same_clusters_as_a_second_pass(mmseg_scope):
    out = []
    for cache_mb in (1024, 0):  # the labelling pass on the cached features / embedding again
        torch.manual_seed(0)
        model = tiny()
        runner = runner_for(model)
        PiCIEClusterHook(batch_size=4, init_batches=1, cache_mb=cache_mb).before_train_epoch(runner)
        out.append((model.centroids.clone(), model.cluster_weight.clone(), model.pseudo_labels))
        assert len(runner.train_dataloader.dataset.seen) == (2 if cache_mb else 4) * N  # two views, 1 or 2 passes
    assert torch.equal(out[0][0], out[1][0]) and torch.equal(out[0][1], out[1][1])
    for view in (1, 2):
        assert all(torch.equal(out[0][2][view][i], out[1][2][view][i]) for i in range(N))
    with pytest.raises(ValueError, match='PiCIEClusterHook: cache_mb must be an integer >= 0, got -1'):
        PiCIEClusterHook(cache_mb=-1)
