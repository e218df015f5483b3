"""Training-time wiring of ``IBFocalLoss``: features from the heads' classifiers, class counts, the switch."""
from typing import List, Optional, Tuple

import torch
from mmengine.dist import broadcast_object_list, get_rank, get_world_size

from libra_plugin.datasets.class_counts import count_box_classes, count_classes, inverse_frequency_weights
from libra_plugin.models.losses.ib_focal_loss import IBFocalLoss
from libra_plugin.registry import HOOKS
from .loss_switch_hook import LossSwitchHook


SEG, ROI, DENSE = 'seg', 'roi', 'dense'  # where a loss reads its features: conv_seg, fc_cls, a dense classifier
DENSE_CLASSIFIERS = ('retina_cls', 'conv_cls')  # mmdet's RetinaHead, AnchorHead


def _losses(module: torch.nn.Module, attr: str) -> list:
    losses = getattr(module, attr, None)
    if losses is None:
        return []
    return list(losses) if isinstance(losses, torch.nn.ModuleList) else [losses]


def _classifier(head: torch.nn.Module) -> Tuple[str, Optional[torch.nn.Module]]:
    """How a detection head's classification layer is found: ``fc_cls`` (mmdet's ``BBoxHead`` family, one feature
    per RoI) or a dense head's classification conv (one feature per location)."""
    if isinstance(getattr(head, 'fc_cls', None), torch.nn.Module):
        return ROI, head.fc_cls
    for name in DENSE_CLASSIFIERS:
        if isinstance(getattr(head, name, None), torch.nn.Module):
            return DENSE, getattr(head, name)
    raise ValueError(f'IBFocalLoss is the loss_cls of {type(head).__name__}, which has no classifier whose input '
                     "could serve as the feature h: supported are mmdet's BBoxHead family (fc_cls: "
                     'Shared2FCBBoxHead, ConvFCBBoxHead, ...) and dense heads with retina_cls (RetinaHead) or conv_cls '
                     '(AnchorHead)')


def find_ib_losses(model: torch.nn.Module) -> List[Tuple[torch.nn.Module, IBFocalLoss, str]]:
    """``(head, loss, kind)`` for every ``IBFocalLoss``: in the ``loss_decode`` of segmentation heads that have a
    ``conv_seg`` (or hand the loss its features themselves, ``supplies_ib_features``: PiCIE), and as the
    ``loss_cls`` of detection heads (``roi_head.bbox_head``, cascade lists included, and one-stage ``bbox_head``s:
    see :func:`_classifier`). An ``IBFocalLoss`` anywhere else is an error."""
    found = []
    for module in model.modules():
        for loss in _losses(module, 'loss_decode'):
            if isinstance(loss, IBFocalLoss):
                if not (isinstance(getattr(module, 'conv_seg', None), torch.nn.Module)
                        or getattr(module, 'supplies_ib_features', False)):
                    raise ValueError(f'IBFocalLoss is configured on {type(module).__name__}, which has no conv_seg '
                                     'whose input could serve as the per-pixel feature')
                found.append((module, loss, SEG))
        for loss in _losses(module, 'loss_cls'):
            if isinstance(loss, IBFocalLoss):
                found.append((module, loss, _classifier(module)[0]))
    placed = {id(loss) for _, loss, _ in found}
    for name, module in model.named_modules():
        if isinstance(module, IBFocalLoss) and id(module) not in placed:
            raise ValueError(f'IBFocalLoss at {name} is neither the loss_decode of a segmentation head nor the loss_cls '
                             'of a detection head, where IBLossHook finds it')
    return found


@HOOKS.register_module()
class IBLossHook(LossSwitchHook):
    """Feeds ``IBFocalLoss`` its features and class weights, and switches it from its warm-up to IB focal.

    * Features, captured by forward pre-hooks, no subclass of the head needed: a segmentation head's input to
      ``conv_seg`` (per pixel); a bbox head's input to ``fc_cls`` (per sampled RoI; every stage of a cascade); a
      dense head's input to ``retina_cls`` / ``conv_cls`` (per location and level, shared by its anchors). A
      detection head without such a classifier is an error before the first iteration.
    * ``class_weight='auto'``: the class frequencies of the training set, pixels of the label maps (segmentation,
      cached, ``count_classes``) or boxes of the annotations (detection, ``count_box_classes``, no image read), give
      ``w_c ∝ n_c^−p`` (the loss's ``class_weight_power``), mean 1 over the classes present; a detector's background
      gets weight 1 (see ``IBFocalLoss``).
    * Switch: the rules of :class:`LossSwitchHook` (``'iter'``, ``'epoch'``, ``'loss_min'``, ``'epoch_loss_min'``;
      the PiCIE + IB focal recipe switches at the epoch after the CE loss was lowest: ``'epoch_loss_min'``), here
      with ``'loss_min'`` the default. The switch is logged; its state lives in the loss's buffers and the message
      hub, so a resumed run continues in the right phase and switches once.

    Args:
        switch (str): ``'iter'``, ``'epoch'``, ``'loss_min'`` or ``'epoch_loss_min'``. Defaults to ``'loss_min'``.
        at (int, optional): Iteration or epoch of the switch (``'iter'``/``'epoch'``).
        patience (int): Iterations without improvement for ``'loss_min'``. Defaults to 200.
        smooth (float): EMA factor of the loss for ``'loss_min'``, in ``[0, 1)``. Defaults to 0.98.
        min_delta (float): Smallest improvement that counts. Defaults to 0.
        cache_dir (str, optional): Where class counts are cached. Defaults to ``~/.cache/libra_plugin``.
        lr_factor (float): Multiplies the learning rate of every parameter group at the switch (the IB paper
            drops it 100×: 0.01). Defaults to 1.0 (unchanged).
    """

    message = 'switching from CE to IB focal loss'
    hub_prefix = 'ib_'

    def __init__(self,
                 switch: str = 'loss_min',
                 at: Optional[int] = None,
                 patience: int = 200,
                 smooth: float = 0.98,
                 min_delta: float = 0.0,
                 cache_dir: Optional[str] = None,
                 lr_factor: float = 1.0) -> None:
        super().__init__(switch, at, patience, smooth, min_delta, lr_factor)
        self.cache_dir = cache_dir
        self.found: List[Tuple[torch.nn.Module, IBFocalLoss, str]] = []

    def find_losses(self, model: torch.nn.Module) -> List[IBFocalLoss]:
        self.found = find_ib_losses(model)
        if not self.found:
            raise ValueError('IBLossHook found no IBFocalLoss in the model (the loss_decode of a segmentation head '
                             'or the loss_cls of a detection head)')
        return [loss for _, loss, _ in self.found]

    def before_train(self, runner) -> None:
        super().before_train(runner)
        for head, loss, kind in self.found:
            if kind == SEG and isinstance(getattr(head, 'conv_seg', None), torch.nn.Module):
                loss.feature_from(head.conv_seg)
            elif kind == ROI:
                loss.feature_from(head.fc_cls)
            elif kind == DENSE:
                loss.levels_from(head, _classifier(head)[1])
            if loss.auto_class_weight and loss.class_weight.numel() == 0:
                counts = self._shared_counts(runner, head, kind)
                loss.set_class_weight(torch.as_tensor(inverse_frequency_weights(counts, loss.class_weight_power)))
                runner.logger.info(f"IBFocalLoss class {'pixel' if kind == SEG else 'box'} counts {counts.tolist()}, "
                                   f'weights {[round(w, 4) for w in loss.class_weight.tolist()]}'
                                   + ('' if kind == SEG else ' (the background: 1)'))

    def _shared_counts(self, runner, head, kind: str):
        """Class counts of the training set, read by rank 0 alone and broadcast to the other processes."""
        box = [None]
        if get_rank() == 0:
            dataset = runner.train_dataloader.dataset
            box[0] = (count_classes(dataset, head.num_classes, head.ignore_index, self.cache_dir) if kind == SEG
                      else count_box_classes(dataset, head.num_classes))
        if get_world_size() > 1:
            broadcast_object_list(box, src=0)
            runner.logger.info(f'IBLossHook: class counts computed on rank 0, shared with {get_world_size()} '
                               'processes')
        return box[0]
