# Copyright (c) mmswav contributors. All rights reserved.
from typing import Dict, List, Optional

import torch
from mmpretrain.models.selfsup.base import BaseSelfSupervisor
from mmpretrain.structures import DataSample
from torch import Tensor

from mmswav.registry import MODELS

from .tiny_map_conv import convert_tiny_map_convs


@MODELS.register_module()
class SwAV(BaseSelfSupervisor):
    """SwAV: Unsupervised Learning of Visual Features by Contrasting Cluster Assignments.

    Implementation of `SwAV <https://arxiv.org/abs/2006.09882>`_ (Caron et al., NeurIPS
    2020). The crops of one resolution go through the backbone together (one call per
    resolution group, as the official multi-resolution forward); the neck pools and
    projects all crops; the head scores them against the prototypes and computes the
    swapped-prediction loss. Sub-modules are configs or ready modules.

    Args:
        *args: Arguments of ``BaseSelfSupervisor`` (``backbone``, ``neck``, ``head``...).
        channels_last (bool): Keep the backbone weights and the crops in channels-last
            memory layout (a faster convolution path on CPU and on GPU tensor cores; the
            same model, results equal up to float rounding). Defaults to False.
        tiny_map_convs (bool): Compute the backbone's 3x3 convolutions on 1x1 maps (and
            strided ones on 2x2 maps) as one matrix product of the used taps (see
            :mod:`.tiny_map_conv`): 1.5x faster steps with 32 + 16 px crops, no effect at
            224 / 96 px, results equal up to float rounding. Defaults to True.
        **kwargs: Keyword arguments of ``BaseSelfSupervisor``.
    """

    def __init__(self, *args, channels_last: bool = False, tiny_map_convs: bool = True,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.channels_last = channels_last
        if tiny_map_convs:
            convert_tiny_map_convs(self.backbone)
        if channels_last:  # in-place inits and checkpoint loads keep the layout
            self.backbone.to(memory_format=torch.channels_last)

    @staticmethod
    def resolution_groups(inputs: List[Tensor]) -> List[int]:
        """End index of every run of consecutive crops with the same resolution.

        For the published 2x224 + 6x96 recipe this is ``[2, 8]``.
        """
        ends = [i for i in range(1, len(inputs))  # shapes only: no tensor op per step
                if inputs[i].shape[-2:] != inputs[i - 1].shape[-2:]]
        return ends + [len(inputs)] if inputs else []

    def embed(self, inputs: List[Tensor]) -> Tensor:
        """Unit-norm embeddings of all crops, crop-major ``[V * B, feat_dim]``."""
        if not isinstance(inputs, (list, tuple)):
            raise TypeError('SwAV expects a list of crops from the MultiView transform, got '
                            f'{type(inputs).__name__}; check the training pipeline')
        start, outputs = 0, []
        for end in self.resolution_groups(inputs):
            crops = torch.cat(inputs[start:end])  # [n * B, C, H, W], one call per size
            if self.channels_last:
                crops = crops.contiguous(memory_format=torch.channels_last)
            outputs.append(self.backbone(crops))
            start = end
        return self.neck(outputs)[0]

    def loss(self, inputs: List[Tensor], data_samples: List[DataSample],
             **kwargs) -> Dict[str, Tensor]:
        """The SwAV loss of a batch of multi-crop views.

        Args:
            inputs (List[Tensor]): The crops, ``num_crops`` tensors of ``[B, C, H, W]``.
            data_samples (List[DataSample]): Unused; kept for the mmengine contract.

        Returns:
            Dict[str, Tensor]: ``{'loss': ...}``.
        """
        expected = self.head.loss_module.total_crops
        if len(inputs) != expected:
            raise ValueError(f'SwAV got {len(inputs)} crops per image but the loss expects '
                             f'{expected} (head.loss.num_crops); make num_crops match the '
                             'MultiView num_views of the training pipeline')
        return dict(loss=self.head.loss(self.embed(inputs)))

    def predict(self, inputs: Tensor,
                data_samples: Optional[List[DataSample]] = None,
                **kwargs) -> List[DataSample]:
        """Global-average-pooled backbone features of the last stage, one per image.

        Returns:
            List[DataSample]: Each with ``feature`` (``[C]``) set, for kNN and retrieval.
        """
        if isinstance(inputs, (list, tuple)):
            inputs = inputs[0]
        feats = self.extract_feat(inputs)
        feats = feats[-1] if isinstance(feats, (list, tuple)) else feats
        if feats.dim() > 2:
            feats = feats.mean(dim=(2, 3))  # [B, C]
        data_samples = data_samples or [DataSample() for _ in range(len(feats))]
        for sample, feat in zip(data_samples, feats):
            sample.set_field(feat, 'feature', field_type='metainfo')
        return data_samples

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        """``tensor``: backbone features; ``loss``: the loss dict; ``predict``: features
        in data samples."""
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        return super().forward(inputs, data_samples, mode)
