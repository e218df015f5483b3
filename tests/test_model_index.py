"""The model index as mim and OpenMMLab's model-zoo tools read it: libra_plugin/.mim/model-index.yml imports one
metafile per method folder, every metafile names existing configs and README, and every shipped config (not a
_base_) is in a metafile."""
import glob
import os.path as osp

import yaml

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
MIM = osp.join(REPO, 'libra_plugin', '.mim')


def _load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def test_every_config_is_in_a_metafile_and_every_metafile_entry_exists():
    index = _load(osp.join(MIM, 'model-index.yml'))
    folders = sorted({osp.dirname(p) for p in glob.glob(osp.join(REPO, 'configs', '*', '*.py'))
                      if '_base_' not in p})
    assert sorted(osp.join(REPO, osp.dirname(m)) for m in index['Import']) == folders
    listed = set()
    for meta in index['Import']:
        data = _load(osp.join(MIM, meta))
        names = {c['Name'] for c in data['Collections']}
        for c in data['Collections']:
            assert osp.isfile(osp.join(MIM, c['README'])), c['README']
            assert c['Paper']['URL'].startswith('https://')
        for model in data['Models']:
            assert model['In Collection'] in names, model['Name']
            assert osp.isfile(osp.join(MIM, model['Config'])), model['Config']
            assert model['Name'] == osp.splitext(osp.basename(model['Config']))[0]
            for result in model.get('Results', []):
                assert result['Task'] and result['Dataset'] and result['Metrics']
            listed.add(model['Config'])
    shipped = {osp.relpath(p, REPO) for p in glob.glob(osp.join(REPO, 'configs', '*', '*.py')) if '_base_' not in p}
    assert shipped == listed, sorted(shipped ^ listed)
