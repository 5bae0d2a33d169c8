# Copyright (c) mmswav contributors. All rights reserved.
"""The ablation runner: its variants file, its ``--cfg-options``, and a real 2-variant run."""
import json
import sys
from argparse import ArgumentParser
from pathlib import Path

import pytest
import yaml
from mmengine.config import Config, DictAction

from tests.conftest import make_image_folder

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'tools' / 'benchmarks'))
from ablation_variants import cli_options, load_runs  # noqa: E402
from ablations import main  # noqa: E402

QUICKSTART = 'configs/swav/swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_cifar10-32.py'


def write_variants(path: Path, variants: list, options: dict = None) -> Path:
    path.write_text(yaml.safe_dump(dict(config=QUICKSTART, options=options or {},
                                        variants=variants)))
    return path


def test_runs_are_seed_major_with_merged_options(tmp_path):
    spec = write_variants(tmp_path / 'v.yml', [
        dict(name='a', seeds=[0, 1], options={'x.y': 2}),
        dict(name='b', options={'common': 5}),
    ], options={'common': 1, 'x.y': 1})
    runs = load_runs(str(spec))
    assert [r['name'] for r in runs] == ['a-s0', 'b-s0', 'a-s1']
    assert runs[0]['options'] == {'common': 1, 'x.y': 2, 'randomness.seed': 0}
    assert runs[1]['options'] == {'common': 5, 'x.y': 1, 'randomness.seed': 0}
    assert runs[2]['options']['randomness.seed'] == 1


def test_a_variant_with_an_unknown_key_is_refused(tmp_path):
    spec = write_variants(tmp_path / 'v.yml', [dict(name='a', option={'x': 1})])
    with pytest.raises(KeyError, match="variant 'a' has unknown keys {'option'}"):
        load_runs(str(spec))


def test_cli_options_parse_back_with_mmengine():
    options = {'model.head.num_prototypes': 150, 'model.head.fixed_prototypes': True,
               'optim_wrapper.optimizer.lr': 0.05, 'model.head.loss.num_crops': [2, 4]}
    parser = ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parsed = parser.parse_args(['--cfg-options', *cli_options(options)]).cfg_options
    assert parsed == options


def test_the_shipped_variants_build_different_models():
    """Every run of the paper's ablation file changes what its name says, and nothing else
    breaks the config (each run's config is built as ``tools/train.py`` would)."""
    runs = load_runs(str(REPO / 'configs/swav/ablations/cifar10_quickstart_ablations.yml'))
    assert len({r['name'] for r in runs}) == len(runs) >= 12
    texts = {}
    for run in runs:
        cfg = Config.fromfile(str(REPO / run['config']))
        cfg.merge_from_dict(run['options'])
        texts[run['name']] = cfg
    head = {name: cfg.model.head for name, cfg in texts.items()}
    assert head['K3000-s0'].num_prototypes == 3000 and head['default-s0'].num_prototypes == 300
    assert head['hard-s0'].loss.hard_assignment and not head['default-s0'].loss.get(
        'hard_assignment', False)
    assert head['fixed-prototypes-s0'].fixed_prototypes
    assert head['sinkhorn-10-s0'].loss.sinkhorn_iterations == 10
    assert head['batch32-queue-s0'].queue_length > 0 == head['batch32-s0'].queue_length
    assert texts['batch32-s0'].train_dataloader.batch_size == 32
    assert list(head['mcrop-2x24+4x16-s0'].loss.num_crops) == [2, 4]
    assert texts['default-s1'].randomness.seed == 1
    assert len({cfg.pretty_text for cfg in texts.values()}) == len(runs)


def check_knn(result: dict, cfg: Config, data: Path) -> None:
    """The run's kNN top-1 (k = 20, 200) is scikit-learn's on the GAP features of its own
    checkpoint, loaded and computed here; strictly between 0 and 100 on this data."""
    import torch

    from mmswav.registry import MODELS
    from tests.test_tools.test_knn import sklearn_top1
    model = MODELS.build(cfg.model)
    model.load_state_dict(torch.load(result['checkpoint'], weights_only=False)['state_dict'])
    for k in (20, 200):
        expected = sklearn_top1(model, data, min(k, 24))  # 24 training images
        assert 0 < expected < 100, (k, expected)
        assert result[f'top1_k{k}'] == pytest.approx(expected), k


def test_two_variants_run_write_the_table_and_resume(tmp_path, capsys):
    data = tmp_path / 'data'
    make_image_folder(data / 'train', num_classes=2, per_class=12, size=32, seed=0, bias=15)
    make_image_folder(data / 'test', num_classes=2, per_class=4, size=32, seed=1, bias=15)
    spec = write_variants(tmp_path / 'v.yml', [
        dict(name='default', claim='reference'),
        dict(name='K20', claim='number of prototypes', options={'model.head.num_prototypes': 20}),
    ], options={'train_cfg.max_epochs': 1, 'param_scheduler.0.T_max': 1,
                'param_scheduler.0.end': 1, 'train_dataloader.batch_size': 8,
                'train_dataloader.num_workers': 0,
                'train_dataloader.persistent_workers': False})
    work = tmp_path / 'work'
    argv = [str(spec), '--work-dir', str(work), '--data-root', str(data)]
    rows = main(argv)
    assert [r['variant'] for r in rows] == ['default', 'K20']
    for name, k in (('default-s0', 300), ('K20-s0', 20)):
        result = json.loads((work / name / 'result.json').read_text())
        assert result['checkpoint'].endswith('epoch_1.pth')
        assert result['pretrain_cpu_minutes'] > 0
        dumped = Config.fromfile(str(work / name / Path(QUICKSTART).name))
        assert dumped.model.head.num_prototypes == k  # the variant reached the run
        check_knn(result, dumped, data)
    summary = json.loads((work / 'ablations.json').read_text())
    assert summary['random_init']['model'] == 'random' and len(summary['runs']) == 2
    table = (work / 'ablations.md').read_text()
    assert '| number of prototypes | K20 | 0 |' in table and 'random init' in table
    assert (work / 'ablations.png').stat().st_size > 1000
    capsys.readouterr()
    main(argv)  # everything finished: nothing runs again
    out = capsys.readouterr().out
    assert out.count('done before, skipped') == 2
