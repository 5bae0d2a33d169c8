# Copyright (c) mmswav contributors. All rights reserved.
"""Benchmark 1: one SwAV training step, mmswav vs mmpretrain 1.2.0's own SwAV, on CPU.

Both models: ResNet-18, SwAV neck 512-512-128 with BN, the same prototypes, crops 2 x 32 +
4 x 16, the same weights (copied across) and inputs; one step = forward, loss, backward, SGD.
Run: ``python benchmarks/bench_train_step.py --threads 1 2``.

``--limit``: instead, the step against its physical limit, the backbone's own forward +
backward on the same crops, for the quick-start recipe (2 x 32 px, batch 128) and the
published one (ResNet-50, 2 x 224 + 6 x 96, a small batch on CPU, with and without the
per-rank queue of 480), by CPU time at the thread count given; and the step with the
per-step host reads of the schedule / queue state that the head made before (A/B).
"""
import argparse  # noqa: I001 (common is the local benchmarks/common.py)
import copy

import torch
from common import alternate, fixed_mmap_threshold, load, machine, peak_rss_mib, report


def build_models(num_prototypes: int, channels_last: bool = False,
                 tiny_map_convs: bool = True):
    from mmpretrain.registry import MODELS as PRETRAIN_MODELS
    from mmpretrain.utils import register_all_modules as pretrain_register

    from mmswav.registry import MODELS
    from mmswav.utils import register_all_modules
    pretrain_register(init_default_scope=False)
    register_all_modules(init_default_scope=False)
    backbone = dict(type='ResNet', depth=18, num_stages=4, out_indices=(3, ),
                    norm_cfg=dict(type='BN'))
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmswav'):
        ours = MODELS.build(dict(
            type='SwAV', backbone=backbone, channels_last=channels_last,
            tiny_map_convs=tiny_map_convs,
            neck=dict(type='SwAVNeck', in_channels=512, hid_channels=512, out_channels=128),
            head=dict(type='SwAVHead', feat_dim=128, num_prototypes=num_prototypes,
                      loss=dict(type='SwAVLoss', num_crops=[2, 4]))))
    assert type(ours).__module__.startswith('mmswav'), type(ours)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        theirs = PRETRAIN_MODELS.build(dict(
            type='SwAV', backbone=copy.deepcopy(backbone),
            neck=dict(type='SwAVNeck', in_channels=512, hid_channels=512, out_channels=128,
                      norm_cfg=dict(type='BN1d')),
            head=dict(type='SwAVHead', loss=dict(
                type='SwAVLoss', feat_dim=128, num_crops=[2, 4],
                num_prototypes=num_prototypes))))
    assert type(theirs).__module__.startswith('mmpretrain'), type(theirs)
    # same weights: ours -> theirs (their prototypes live at head.loss_module.prototypes)
    state = ours.state_dict()
    mapped = {k.replace('head.prototypes', 'head.loss_module.prototypes'): v
              for k, v in state.items() if k not in ('head.queue', 'head.epoch',
                                                     'head.iteration')}
    missing, unexpected = theirs.load_state_dict(mapped, strict=False)
    missing = [k for k in missing if not k.startswith('neck.norm.')]  # alias of neck.1
    assert not missing and not unexpected, (missing, unexpected)
    return ours.train(), theirs.train()


def make_inputs(batch: int, seed: int = 0, channels_last: bool = False):
    gen = torch.Generator().manual_seed(seed)
    crops = [torch.randn(batch, 3, 32, 32, generator=gen) for _ in range(2)]
    crops += [torch.randn(batch, 3, 16, 16, generator=gen) for _ in range(4)]
    if channels_last:
        crops = [c.contiguous(memory_format=torch.channels_last) for c in crops]
    return crops


def make_step(model, inputs, lr: float = 0.0):
    optim = torch.optim.SGD(model.parameters(), lr=lr)

    def step() -> float:
        optim.zero_grad(set_to_none=True)
        loss = model.loss(inputs, None)['loss']
        loss.backward()
        optim.step()
        return inputs[0].shape[0]
    return step


def check_same_loss(ours, theirs, inputs) -> None:
    """Same weights and inputs: the two losses (train-mode BN, no queue) must agree."""
    with torch.no_grad():
        a = ours.loss(inputs, None)['loss'].item()
        b = theirs.loss(inputs, None)['loss'].item()
    for model in (ours, theirs):
        model.zero_grad()
        model.loss(inputs, None)['loss'].backward()
    grads = [(p.grad - q.grad).abs().max().item() / (q.grad.abs().max().item() + 1e-12)
             for p, q in zip(ours.backbone.parameters(), theirs.backbone.parameters())]
    print(f'  loss mmswav {a:.7f}  mmpretrain {b:.7f}  |diff| {abs(a - b):.2e} '
          f'(rel {abs(a - b) / abs(b):.1e}); backbone grads: max rel diff {max(grads):.1e}')


def physical_limit(args) -> None:
    """Step / backbone-only and the host-read A/B, per recipe, by CPU time."""
    from common import CPU, median
    from recipes import steps
    torch.set_num_threads(args.threads[0])
    settings = [('quickstart', args.batch, 0),
                ('published', args.published_batch, 0),
                ('published', args.published_batch, 480)]
    for recipe, batch, queue in settings:
        if recipe not in args.recipes:
            continue
        print(f'{recipe}, batch {batch}, queue {queue} | {machine()}')
        rates = alternate(steps(recipe, batch, queue), args.repeats)
        limit = median(rates['backbone only' + CPU])
        for name in ('step', 'step, host reads'):
            values = rates[name + CPU]
            print(f'  {name:<18s} {median(values):8.2f} img/s (CPU time; min {min(values):.2f}'
                  f' max {max(values):.2f}); step / backbone-only = '
                  f'{limit / median(values):.3f}')
        print(f'  {"backbone only":<18s} {limit:8.2f} img/s (CPU time)')
        gain = median(rates['step' + CPU]) / median(rates['step, host reads' + CPU])
        print(f'  host reads removed: {gain:.3f}x | {load()} after the run')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--threads', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--batch', type=int, default=128)
    parser.add_argument('--num-prototypes', type=int, default=3000)
    parser.add_argument('--repeats', type=int, default=6)
    parser.add_argument('--no-memory', action='store_true')
    parser.add_argument('--limit', action='store_true',
                        help='step / backbone-only per recipe (see the module docstring)')
    parser.add_argument('--recipes', nargs='+', default=['quickstart', 'published'],
                        help='recipes of --limit. Defaults to both.')
    parser.add_argument('--published-batch', type=int, default=8,
                        help='batch of the published recipe under --limit. Defaults to 8.')
    args = parser.parse_args()
    if args.limit:
        return physical_limit(args)
    fixed_mmap_threshold()
    torch.manual_seed(0)
    ours, theirs = build_models(args.num_prototypes)
    plain, _ = build_models(args.num_prototypes, tiny_map_convs=False)
    plain.load_state_dict(ours.state_dict())
    inputs = make_inputs(args.batch)
    check_same_loss(ours, theirs, inputs)
    check_same_loss(plain, theirs, inputs)
    # lr=0 keeps the weights fixed, so both sides do the same work on every repeat
    runs = {'mmswav': make_step(ours, inputs),
            'mmswav tiny_map_convs=False': make_step(plain, inputs),
            'mmpretrain': make_step(theirs, inputs)}
    for threads in args.threads:
        torch.set_num_threads(threads)
        print(f'threads={threads} batch={args.batch} K={args.num_prototypes} | {machine()}')
        rates = alternate(runs, args.repeats)
        report(rates, 'mmswav', 'mmpretrain', 'img/s')
        print(f'  ({load()} after the run)')
        report(rates, 'mmswav tiny_map_convs=False', 'mmpretrain', 'img/s', rows=False)
        if not args.no_memory:
            for name, fn in runs.items():
                print(f'  peak RSS increase of one step, {name}: {peak_rss_mib(fn):.0f} MiB')


if __name__ == '__main__':
    main()
