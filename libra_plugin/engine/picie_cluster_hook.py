"""PiCIE's per-epoch clustering (in the style of mmselfsup's ``DeepClusterHook``)."""
from typing import Dict, List

import torch
from mmengine.dataset import pseudo_collate
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch.utils.data import DataLoader, Subset

from libra_plugin.functional.kmeans import MiniBatchKMeans, assign
from libra_plugin.registry import HOOKS


@HOOKS.register_module()
class PiCIEClusterHook(Hook):
    """Re-clusters before every training epoch and hands the result to the ``libra_plugin.PiCIE`` model.

    Per view (1, 2): the embeddings of every training pixel (the views of this epoch, :meth:`PiCIE.view_features`)
    feed a mini-batch k-means (``functional.kmeans.MiniBatchKMeans``: k-means on the first ``init_batches``
    batches, then PiCIE's running update); a second pass labels each pixel with its nearest centroid. The model
    gets the centroids, the cluster weights ``counts / counts.sum()`` (PiCIE's) and the pseudo-labels. The images
    are visited in an order drawn anew from ``(seed, epoch)`` every epoch (PiCIE's ``reshuffle()``), so the
    initial k-means pool is a random sample of the training set, not its first images. Feature extraction runs in
    eval mode under ``torch.no_grad``.

    Evaluation clusters (PiCIE's reported figure, ``train_picie.py`` after training): a fresh mini-batch k-means
    of the **un-augmented** training images (:meth:`PiCIE.eval_features`, the evaluation resolution) with the
    current weights, handed to the model by :meth:`PiCIE.set_eval_clusters`; prediction uses these, not the
    training centroids clustered before the epoch. They are computed after every training epoch that a
    validation follows (and after the last), before the checkpoint is written, so a checkpoint predicts with the
    clusters of its own weights; and before a validation or test that finds none (``tools/test.py`` on an older
    checkpoint).

    With several processes each one embeds its shard of the images (every ``world_size``-th), k-means sums over all
    of them (identical centroids everywhere) and the pseudo-labels are gathered, so every process can train on any
    image. A resumed run re-clusters at the start of its epoch: views, seeds and weights are the same, so the
    centroids and labels are recomputed identically.

    Args:
        batch_size (int): Images per feature-extraction batch. Defaults to 8.
        init_batches (int): Batches pooled for the initial k-means. Defaults to 20.
        update_batches (int): Batches pooled per running update. Defaults to 1.
        kmeans_iters (int): Lloyd steps of the initial k-means. Defaults to 20 (``KM_ITER`` of PiCIE's training
            script ``sh_files/train_picie.sh``).
        num_workers (int): Data loader workers of the passes. Defaults to 0.
        cache_mb (int): The labelling pass reuses the k-means pass's features while they take at most this many
            MiB (the same features, so the same labels, with one embedding pass fewer per view); beyond it, it
            embeds again. Defaults to 1024.
    """

    priority = 'ABOVE_NORMAL'  # before IBLossHook and the loggers in before_train_epoch

    def __init__(self, batch_size: int = 8, init_batches: int = 20, update_batches: int = 1,
                 kmeans_iters: int = 20, num_workers: int = 0, cache_mb: int = 1024) -> None:
        for name, v in (('batch_size', batch_size), ('init_batches', init_batches),
                        ('update_batches', update_batches), ('kmeans_iters', kmeans_iters)):
            if not isinstance(v, int) or v < 1:
                raise ValueError(f'PiCIEClusterHook: {name} must be an integer >= 1, got {v!r}')
        self.batch_size, self.init_batches, self.update_batches = batch_size, init_batches, update_batches
        if not isinstance(cache_mb, int) or cache_mb < 0:
            raise ValueError(f'PiCIEClusterHook: cache_mb must be an integer >= 0, got {cache_mb!r}')
        self.kmeans_iters, self.num_workers, self.cache_mb = kmeans_iters, num_workers, cache_mb

    def before_train(self, runner) -> None:
        model = self._model(runner)
        dataset = runner.train_dataloader.dataset
        if len(dataset) < self.batch_size * get_world_size():
            raise ValueError(f'PiCIEClusterHook: the training set has {len(dataset)} images, fewer than one '
                             f'clustering batch (batch_size={self.batch_size} x {get_world_size()} processes); '
                             'lower batch_size or add images')
        if not hasattr(model, 'set_clusters'):
            raise TypeError(f'PiCIEClusterHook needs a libra_plugin.PiCIE model, got {type(model).__name__}')
        self._check_metrics(runner, model)

    def before_val(self, runner) -> None:
        self._check_metrics(runner, self._model(runner))

    @staticmethod
    def _check_metrics(runner, model) -> None:
        """An ``UnsupervisedSegMetric`` counting another number of clusters than the model predicts would match the
        wrong histogram: an error before the first iteration."""
        for loop in ('_val_loop', '_test_loop'):
            evaluator = getattr(getattr(runner, loop, None), 'evaluator', None)
            for metric in getattr(evaluator, 'metrics', []):
                k = getattr(metric, 'num_clusters', None)
                if k is not None and k != model.num_clusters:
                    raise ValueError(f'{type(metric).__name__}(num_clusters={k}) but the model has num_clusters='
                                     f'{model.num_clusters}: set the metric\'s num_clusters to the model\'s')

    @staticmethod
    def _model(runner):
        return runner.model.module if is_model_wrapper(runner.model) else runner.model

    def _loader(self, runner, epoch: int, stream: int) -> DataLoader:
        """This process's shard of the training set in an order drawn from (seed, epoch, stream)."""
        if getattr(runner, '_train_dataloader', None) is None:
            raise ValueError('PiCIEClusterHook clusters the training images, also for evaluation: the config needs '
                             'train_dataloader (tools/test.py too)')
        dataset = runner.train_dataloader.dataset
        g = torch.Generator().manual_seed(((runner.seed or 0) * 1_000_003 + epoch) * 3 + stream)
        order = torch.randperm(len(dataset), generator=g).tolist()
        return DataLoader(Subset(dataset, order[get_rank()::get_world_size()]), batch_size=self.batch_size,
                          shuffle=False, num_workers=self.num_workers, collate_fn=pseudo_collate)

    def _features(self, model, loader, view: int):
        for batch in loader:
            data = model.data_preprocessor(batch, False)
            indices = [int(s.metainfo['sample_idx']) for s in data['data_samples']]
            feats = model.view_features(data['inputs'], indices, view) if view else model.eval_features(
                data['inputs'])
            yield indices, feats

    def before_train_epoch(self, runner) -> None:
        model = self._model(runner)
        model.set_epoch(runner.epoch, runner.seed)
        loader = self._loader(runner, runner.epoch, 0)
        was_training = model.training
        model.eval()
        sync = get_world_size() > 1
        k = model.num_clusters
        centroids, weights, labels = [], [], {1: {}, 2: {}}
        with torch.no_grad():
            for view in (1, 2):
                km = MiniBatchKMeans(k, self.init_batches, self.update_batches, self.kmeans_iters,
                                     seed=(runner.seed or 0) * 1000 + runner.epoch * 2 + view, sync=sync)
                cache, size = [], 0  # the first pass's features, reused by the second while they fit
                for indices, f in self._features(model, loader, view):
                    self._fit(km, f.permute(0, 2, 3, 1).reshape(-1, f.shape[1]), k)
                    size += f.numel() * f.element_size()
                    if cache is not None:
                        cache = cache + [(indices, f)] if size <= self.cache_mb * 2**20 else None
                c = self._fit(km, None, k)
                counts = torch.zeros(k, device=c.device)
                for indices, f in (cache if cache is not None else self._features(model, loader, view)):
                    lab, _ = assign(f.permute(0, 2, 3, 1).reshape(-1, f.shape[1]), c)
                    counts += torch.bincount(lab, minlength=k)
                    for i, m in zip(indices, lab.view(f.shape[0], *f.shape[2:]).to(torch.uint8 if k <= 256 else
                                                                                    torch.int16).cpu()):
                        labels[view][i] = m
                if sync:
                    torch.distributed.all_reduce(counts)
                    labels[view] = self._gathered(labels[view])
                centroids.append(c)
                weights.append(counts / counts.sum())
                runner.logger.info(f'PiCIEClusterHook: epoch {runner.epoch} view {view}: {k} clusters, initial k-means '
                                   f'inertia {km.inertia:.4f}, cluster sizes {counts.long().tolist()}')
        model.set_clusters(torch.stack(centroids), torch.stack(weights), labels)
        model.train(was_training)

    # --- evaluation clusters -------------------------------------------------------------------------------------
    def after_train_epoch(self, runner) -> None:
        loop = runner.train_loop
        epoch = runner.epoch + 1  # the loop counts this epoch after the hooks
        last = epoch >= getattr(loop, 'max_epochs', epoch)
        validates = getattr(runner, 'val_loop', None) is not None and epoch >= getattr(loop, 'val_begin', 1) and \
            epoch % getattr(loop, 'val_interval', 1) == 0
        if last or validates:
            self.eval_clusters(runner)

    def before_val_epoch(self, runner) -> None:
        if not self._model(runner).has_eval_clusters():
            self.eval_clusters(runner)

    def before_test_epoch(self, runner) -> None:
        self.before_val_epoch(runner)

    def eval_clusters(self, runner) -> None:
        """Fresh k-means of the un-augmented training images with the current weights -> the model's
        evaluation clusters (PiCIE's reported protocol)."""
        model = self._model(runner)
        was_training = model.training
        model.eval()
        km = MiniBatchKMeans(model.num_clusters, self.init_batches, self.update_batches, self.kmeans_iters,
                             seed=(runner.seed or 0) * 1000 + 999, sync=get_world_size() > 1)
        with torch.no_grad():
            for _, f in self._features(model, self._loader(runner, 0, 1), 0):
                self._fit(km, f.permute(0, 2, 3, 1).reshape(-1, f.shape[1]), model.num_clusters)
        model.set_eval_clusters(self._fit(km, None, model.num_clusters))
        model.train(was_training)
        runner.logger.info('PiCIEClusterHook: evaluation clusters: fresh k-means of the un-augmented training '
                           f'images with the current weights, initial inertia {km.inertia:.4f}')

    def _fit(self, km, features, k: int):
        """``km.partial_fit(features)`` (``km.finish()`` for None), with the k-means error naming this hook's settings:
        the initial pool must hold at least K feature pixels."""
        try:
            return km.finish() if features is None else km.partial_fit(features)
        except ValueError as e:
            if 'needs at least k' not in str(e):
                raise
            raise ValueError(f'PiCIEClusterHook: {e} in its initial pool (init_batches={self.init_batches} batches '
                             f'of batch_size={self.batch_size} images, each view_size / 4 feature pixels): fewer '
                             f'feature pixels than the model\'s num_clusters={k}; raise init_batches or batch_size, '
                             'or lower num_clusters') from e

    @staticmethod
    def _gathered(shard: Dict[int, torch.Tensor]) -> Dict[int, torch.Tensor]:
        out: Dict[int, torch.Tensor] = {}
        parts: List[Dict[int, torch.Tensor]] = all_gather_object(shard)
        for part in parts:
            out.update(part)
        return out
