# Copyright (c) mmswav contributors. All rights reserved.
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from torch import Tensor

from mmswav.registry import MODELS


@MODELS.register_module()
class SwAVNeck(BaseModule):
    """Projection head of SwAV: global pool -> MLP -> L2 normalisation.

    The crops of all resolution groups are pooled and concatenated before the MLP, so its
    BatchNorm sees every crop of the batch, as in the official ``forward_head``.

    Args:
        in_channels (int): Channels of the backbone's last stage. Defaults to 2048.
        hid_channels (int): Hidden width; 0 gives a single linear layer (official
            ``hidden_mlp=0``). Defaults to 2048.
        out_channels (int): Embedding size ``feat_dim``. Defaults to 128.
        num_layers (int): Linear layers in the MLP (>= 1). Defaults to 2.
        with_bn (bool): BatchNorm after every hidden linear layer. Defaults to True.
        with_avg_pool (bool): Global-average-pool the input maps. Defaults to True.
        norm_cfg (dict): Norm layer config, e.g. ``dict(type='SyncBN')`` for multi-GPU.
            Defaults to ``dict(type='BN1d')``.
        init_cfg (dict | list[dict], optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 in_channels: int = 2048,
                 hid_channels: int = 2048,
                 out_channels: int = 128,
                 num_layers: int = 2,
                 with_bn: bool = True,
                 with_avg_pool: bool = True,
                 norm_cfg: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg)
        if num_layers < 1:
            raise ValueError(f'SwAVNeck: num_layers must be >= 1, got {num_layers}')
        norm_cfg = norm_cfg or dict(type='BN1d')
        if norm_cfg.get('type') == 'BN':  # e.g. SyncBN replaced by --sync-bn-to-bn: the
            norm_cfg = dict(norm_cfg, type='BN1d')  # features here are [N, C], never 2-d
        self.with_avg_pool = with_avg_pool
        self.in_channels = in_channels
        self.out_channels = out_channels
        if hid_channels == 0:
            num_layers = 1
        widths = [in_channels] + [hid_channels] * (num_layers - 1) + [out_channels]
        layers: List[nn.Module] = []
        for i, (w_in, w_out) in enumerate(zip(widths[:-1], widths[1:])):
            layers.append(nn.Linear(w_in, w_out))
            if i < num_layers - 1:
                if with_bn:
                    layers.append(build_norm_layer(norm_cfg, w_out)[1])
                layers.append(nn.ReLU(inplace=True))
        self.projection_neck = nn.Sequential(*layers)

    def _pool(self, x: Union[Tensor, Sequence[Tensor]]) -> Tensor:
        if isinstance(x, (tuple, list)):  # a backbone's tuple of stages: keep the last
            x = x[-1]
        if self.with_avg_pool and x.dim() > 2:
            x = F.adaptive_avg_pool2d(x, 1)
        return x.flatten(1)

    def forward(self, x: Sequence[Union[Tensor, Sequence[Tensor]]]) -> List[Tensor]:
        """Project the backbone outputs of every resolution group.

        Args:
            x (Sequence): One backbone output per resolution group, each ``[N_g, C, H, W]``
                (or a tuple of stage outputs whose last is used).

        Returns:
            List[Tensor]: One tensor ``[sum N_g, out_channels]`` of unit-norm embeddings.
        """
        pooled = torch.cat([self._pool(group) for group in x])  # [N, C]
        if pooled.shape[1] != self.in_channels:
            raise ValueError(f'SwAVNeck: got {pooled.shape[1]}-channel features but '
                             f'in_channels={self.in_channels}; set neck.in_channels to the '
                             'backbone output width (2048 for ResNet-50, 512 for ResNet-18)')
        embedding = self.projection_neck(pooled)  # [N, out_channels]
        return [F.normalize(embedding, dim=1, p=2)]
