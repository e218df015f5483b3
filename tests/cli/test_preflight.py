"""check_resume_checkpoint: a checkpoint of this model with its parameters in another order is refused (the
optimizer's state is stored by position), the same order resumes."""
from collections import OrderedDict

import pytest
import torch

from libra_plugin.cli.preflight import check_resume_checkpoint
from libra_plugin.models.necks import BFP


def _save(path, state, optimizer=True):
    torch.save(dict(state_dict=state, **(dict(optimizer=dict(state={}, param_groups=[])) if optimizer else {})),
               path)
    return str(path)


def test_parameters_saved_in_another_order_are_refused(tmp_path):  # id: resume-param-order
    model = BFP(8, 3, refine_level=1, refine_type='non_local')
    state = model.state_dict()
    assert _save(tmp_path / 'same.pth', state) and check_resume_checkpoint(model, str(tmp_path / 'same.pth')) is None
    # the order before the non-local block took mmcv's: conv_out registered before g / theta / phi
    moved = [k for k in state if k.startswith('refine.conv_out')]
    old = OrderedDict([(k, state[k]) for k in moved] + [(k, v) for k, v in state.items() if k not in moved])
    path = _save(tmp_path / 'old.pth', old)
    names = [k for k, _ in model.named_parameters()]
    with pytest.raises(ValueError) as err:
        check_resume_checkpoint(model, path)
    assert str(err.value) == (
        f"--resume {path}: the checkpoint lists this model's parameters in another order (position 0: "
        f"{moved[0]} in the checkpoint, {names[0]} in this model; saved by an earlier version of that module). Its "
        'optimizer state is stored by position, so the momentum would be restored onto other tensors of the same '
        'shape. Resuming is refused: set load_from to it without --resume (the weights load by name; the optimizer '
        'starts afresh)')
    check_resume_checkpoint(model, _save(tmp_path / 'weights.pth', old, optimizer=False))  # no optimizer: by name
