# Copyright (c) mmswav contributors. All rights reserved.
"""tools/analysis_tools: curves from a synthetic scalar log, the crops grid of a tiny image
folder (its size is the grid of the configured crop sizes), and prototype usage of a tiny
checkpoint against a hand computation."""
import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / 'tools' / 'analysis_tools'
GLOBAL, LOCAL, NUM_VIEWS = 24, 12, [2, 3]


def load_tool(name: str):
    spec = importlib.util.spec_from_file_location(name, TOOLS / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_tool(name: str, *args: str) -> str:
    out = subprocess.run([sys.executable, str(TOOLS / f'{name}.py'), *args], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    return out.stdout


def write_config(tmp_path: Path, data_root: Path, num_prototypes: int = 8) -> Path:
    """A tiny SwAV config: ResNet-18, 2 x 24 + 3 x 12 crops, images from ``data_root``."""
    base = REPO / 'configs' / '_base_'
    view = 'dict(type="RandomResizedCrop", scale={}, crop_ratio_range=(0.2, 1.)), ' \
           'dict(type="RandomFlip", prob=0.5)'
    text = f"""
_base_ = ['{base / 'models' / 'swav_resnet50.py'}', '{base / 'default_runtime.py'}']
model = dict(backbone=dict(depth=18), neck=dict(in_channels=512, hid_channels=64),
             head=dict(num_prototypes={num_prototypes},
                       loss=dict(num_crops={NUM_VIEWS}, temperature=0.1)))
train_dataloader = dict(batch_size=4, num_workers=0, collate_fn=dict(type='default_collate'),
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='CustomDataset', data_root='{data_root}', with_label=False,
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='MultiView', num_views={NUM_VIEWS},
                       transforms=[[{view.format(GLOBAL)}], [{view.format(LOCAL)}]]),
                  dict(type='PackInputs')]))
"""
    path = tmp_path / 'tiny_swav.py'
    path.write_text(text)
    return path


# ---- curves -------------------------------------------------------------------------------
def test_plot_curves_from_scalar_log(tmp_path):
    tool = load_tool('plot_curves')
    for stamp, n in (('20240101_000000', 3), ('20240102_000000', 6)):  # latest run wins
        log = tmp_path / stamp / 'vis_data'
        log.mkdir(parents=True)
        lines = [dict(lr=0.3 * (1 - i / n), loss=8.0 - i, prototypes_used=50 + i, data_time=0.1,
                      iter=i + 1, epoch=1, step=i + 1) for i in range(n)]
        lines.insert(3, {'knn/top1': 20.0, 'step': 0})  # a hook that steps by epoch
        lines.append({'knn/top1': 31.5, 'knn/top5': 60.0, 'step': n + 4})  # steps by iter
        (log / 'scalars.json').write_text('\n'.join(json.dumps(x) for x in lines) + '\n')
    path = tool.find_scalars_file(str(tmp_path))
    assert '20240102_000000' in path
    records = tool.load_scalars(path)
    assert tool.select_keys(records) == ['loss', 'lr', 'knn/top1', 'knn/top5', 'prototypes_used']
    assert list(tool.group_keys(tool.select_keys(records))) == ['loss', 'lr', 'knn',
                                                                'prototypes_used']
    assert tool.series(records, 'loss') == ([1, 2, 3, 4, 5, 6], [8, 7, 6, 5, 4, 3])
    assert tool.series(records, 'knn/top1') == ([3, 10], [20.0, 31.5])
    with pytest.raises(KeyError, match='accuracy/top1'):
        tool.select_keys(records, ['accuracy/top1'])

    out = tmp_path / 'curves.png'
    run_tool('plot_curves', str(tmp_path), '--out', str(out), '--dpi', '50')
    # 4 panels (the kNN keys share one) of 4 x 3.2 inches
    assert Image.open(out).size == (4 * 4 * 50, int(3.2 * 50))

    bad = tmp_path / 'bad.json'
    bad.write_text('{"loss": 1, "step": 1}\nnot json\n')
    with pytest.raises(ValueError, match='bad.json:2'):
        tool.load_scalars(str(bad))
    with pytest.raises(FileNotFoundError, match='scalars.json'):
        tool.find_scalars_file(str(tmp_path / 'empty'))


# ---- crops grid ---------------------------------------------------------------------------
def test_crops_grid_matches_configured_crop_sizes(tmp_path, image_folder):
    config = write_config(tmp_path, image_folder)  # 40 x 40 images
    out, zoom, pad, rows = tmp_path / 'crops.png', 3, 2, 3
    printed = run_tool('preview_crops', str(config), '--out', str(out), '--num-images',
                       str(rows), '--zoom', str(zoom), '--pad', str(pad))
    # row: the 40x40 original shown at the row height (24), 2 global 24 px, 3 local 12 px
    cells = [GLOBAL] + [GLOBAL] * NUM_VIEWS[0] + [LOCAL] * NUM_VIEWS[1]
    width = sum(cells) * zoom + pad * (len(cells) + 1)
    height = rows * GLOBAL * zoom + pad * (rows + 1)
    assert Image.open(out).size == (width, height)
    assert '24x24, 24x24, 12x12, 12x12, 12x12' in printed

    tool = load_tool('preview_crops')
    a = np.arange(2 * 3 * 3).reshape(2, 3, 3).astype(np.uint8)
    grid = tool.make_grid([[a, a[:1]]], zoom=2, pad=1)
    assert grid.shape == (1 + 4 + 1, 1 + 6 + 1 + 6 + 1, 3)
    np.testing.assert_array_equal(grid[1:5:2, 1:7:2], a)  # nearest-neighbour zoom
    assert (grid[3:5, 8:14] == 255).all()  # short cell: white below it
    bgr = np.zeros((2, 2, 3), np.uint8)
    bgr[..., 0] = 200  # blue in BGR
    assert tool.to_hwc_uint8(bgr, bgr=True)[0, 0].tolist() == [0, 0, 200]
    chw = torch.from_numpy(bgr).permute(2, 0, 1)
    assert tool.to_hwc_uint8(chw, bgr=False)[0, 0].tolist() == [200, 0, 0]


# ---- prototype usage ----------------------------------------------------------------------
def test_usage_stats_hand_computed():
    tool = load_tool('prototype_usage')
    scores = torch.tensor([[3., 1, 0, 0], [2, 5, 0, 0], [0, 0, 1, 0], [4, 0, 0, 1]])
    s = tool.usage_stats(scores, temperature=0.5)
    assert s['counts'] == [2, 1, 1, 0] and s['used_prototypes'] == 3
    entropy = -(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25))  # 1.0397
    assert s['usage_entropy'] == pytest.approx(entropy)
    assert s['effective_prototypes'] == pytest.approx(2 * math.sqrt(2))
    assert s['usage_entropy_max'] == pytest.approx(math.log(4))
    q = np.exp(scores.numpy() / 0.5)
    q /= q.sum(1, keepdims=True)
    assert s['mean_assignment_entropy'] == pytest.approx(float(-(q * np.log(q)).sum(1).mean()))
    view = [dict(type='MultiView', num_views=[2, 6], transforms=[
        [dict(type='FastSwAVView', size=224, scale=(0.14, 1.))],
        [dict(type='RandomResizedCrop', scale=96)]])]
    assert tool.global_crop_size([dict(type='LoadImageFromFile')] + view) == 224
    assert tool.global_crop_size([dict(type='RandomResizedCrop', scale=(32, 32))]) == 32
    assert tool.global_crop_size([dict(type='PackInputs')]) is None
    collapsed = tool.usage_stats(torch.tensor([[1., 0], [2, 0], [3, 1]]))
    assert collapsed['usage_entropy'] == 0 and collapsed['effective_prototypes'] == 1


def test_prototype_usage_of_tiny_checkpoint(tmp_path):
    from mmengine.config import Config

    from mmswav.registry import MODELS
    rng = np.random.default_rng(0)
    data = tmp_path / 'png'
    data.mkdir()
    images = [np.clip(rng.normal(rng.uniform(0, 255, 3), rng.uniform(5, 80), (GLOBAL, GLOBAL, 3)),
                      0, 255).astype(np.uint8) for _ in range(12)]  # varied colour and contrast
    for i, img in enumerate(images):
        Image.fromarray(img).save(data / f'{i:02d}.png')  # lossless: same pixels both ways
    config = write_config(tmp_path, data, num_prototypes=6)
    cfg = Config.fromfile(str(config))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    # by hand: RGB, (x - mean) / std, backbone -> neck, cosine to the unit prototypes
    mean = torch.tensor(cfg.model.data_preprocessor.mean).view(1, 3, 1, 1)
    std = torch.tensor(cfg.model.data_preprocessor.std).view(1, 3, 1, 1)
    x = (torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float() - mean) / std
    with torch.no_grad():
        z = model.neck(model.backbone(x))[0]  # [12, 128], unit norm
        # random-init embeddings are nearly parallel: spread prototypes over their residuals
        model.head.prototypes.weight.copy_(F.normalize(z[:6] - z.mean(0), dim=1))
        scores = z @ F.normalize(model.head.prototypes.weight, dim=1).T  # [12, 6]
    top2 = scores.topk(2, dim=1).values
    assert (top2[:, 0] - top2[:, 1]).min() > 1e-4  # no near-ties between code paths
    counts = np.bincount(scores.argmax(1).numpy(), minlength=6)
    assert (counts > 0).sum() > 1  # a spread to compare, not one collapsed bin
    ckpt = tmp_path / 'tiny.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)

    out_dir = tmp_path / 'usage'
    run_tool('prototype_usage', str(config), str(ckpt), '--num-images', '50',
             '--batch-size', '5', '--out-dir', str(out_dir))
    stats = json.loads((out_dir / 'prototype_usage.json').read_text())['heads'][0]
    assert (out_dir / 'prototype_usage.png').is_file()

    p = counts[counts > 0] / counts.sum()
    assert stats['num_images'] == 12
    assert stats['counts'] == counts.tolist()
    assert stats['usage_entropy'] == pytest.approx(float(-(p * np.log(p)).sum()), abs=1e-6)


# ---- model index --------------------------------------------------------------------------
def test_every_config_is_in_the_model_index():
    import yaml

    def models(index_file: Path):
        data = yaml.safe_load(index_file.read_text()) or {}
        for entry in data.get('Import', []):
            yield from models(REPO / entry)
        yield from data.get('Models', [])

    entries = list(models(REPO / 'model-index.yml'))
    listed = [m['Config'] for m in entries]
    configs = sorted(str(p.relative_to(REPO)) for p in (REPO / 'configs').rglob('*.py')
                     if '_base_' not in p.parts)
    assert sorted(set(listed)) == configs, 'add new configs to a metafile.yml'
    names = [m['Name'] for m in entries]
    assert len(names) == len(set(names)), 'a model name is listed twice'
    # a config is listed once, or once per release of its weights (e.g. official + mmselfsup)
    for config in set(listed):
        weights = [m.get('Weights') for m in entries if m['Config'] == config]
        assert len(weights) == 1 or (None not in weights and
                                     len(set(weights)) == len(weights)), config


def test_curves_of_a_real_run_with_online_knn(tmp_path):
    """README path: train (2 epochs x 4 iterations) with KNNHook, then plot the work_dir."""
    from tests.conftest import make_image_folder
    data = tmp_path / 'data'
    make_image_folder(data / 'train', num_classes=2, per_class=16, size=32, seed=0)
    make_image_folder(data / 'test', num_classes=2, per_class=4, size=32, seed=1)
    config = write_config(tmp_path, data / 'train')
    config.write_text(config.read_text() + f"""
train_dataloader.update(batch_size=8)
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=2)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9))
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=2))
custom_hooks = [dict(type='SwAVHook'),
                dict(type='KNNHook', data_root='{data}', ks=(5, ), batch_size=16)]
""")
    work_dir = tmp_path / 'work'
    out = subprocess.run([sys.executable, 'tools/train.py', str(config), '--work-dir',
                          str(work_dir)], cwd=REPO, capture_output=True, text=True,
                         timeout=300, env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]

    tool = load_tool('plot_curves')
    records = tool.load_scalars(tool.find_scalars_file(str(work_dir)))
    assert tool.series(records, 'loss')[0] == list(range(1, 9))  # 32 images / 8 per batch
    assert tool.series(records, 'knn/top1_k5')[0] == [4, 8]  # after each epoch
    assert len(tool.series(records, 'prototypes_used')[0]) == 8  # SwAVCollapseHook
    run_tool('plot_curves', str(work_dir), '--out', str(tmp_path / 'curves.png'))
    assert Image.open(tmp_path / 'curves.png').size[0] == 4 * 100 * 4  # loss lr knn protos


def test_tensorboard_backend_only_when_installed(monkeypatch):
    import importlib.machinery
    import types

    from mmengine.config import Config
    runtime = str(REPO / 'configs' / '_base_' / 'default_runtime.py')

    def backends():
        return [b['type'] for b in Config.fromfile(runtime).visualizer.vis_backends]

    if importlib.util.find_spec('tensorboard') is None:
        assert backends() == ['LocalVisBackend']
    fake = types.ModuleType('tensorboard')
    fake.__spec__ = importlib.machinery.ModuleSpec('tensorboard', None)
    monkeypatch.setitem(sys.modules, 'tensorboard', fake)  # find_spec sees it as installed
    assert backends() == ['LocalVisBackend', 'TensorboardVisBackend']
    monkeypatch.setenv('MMSWAV_TENSORBOARD', '0')
    assert backends() == ['LocalVisBackend']
