# Copyright (c) mmswav contributors. All rights reserved.
"""3x3 convolutions on 1x1 and 2x2 maps as one matrix product, without the padding taps.

With SwAV's small crops (CIFAR 32 + 16 px) a ResNet's last stages run on 2x2 and 1x1 maps.
A 3x3 convolution with zero padding 1 on a 1x1 map only ever multiplies the centre tap
(the 8 others see padding), and one with stride 2 on a 2x2 map only the lower-right 2x2
taps; oneDNN still computes all 9 taps forward and backward. Here those cases are a
``linear`` with the used taps: the same sums without the zero products (equal up to float
summation order), and the gradient of the unused taps is exactly 0, as before.
"""
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor


class TinyMapConv2d(nn.Conv2d):
    """``nn.Conv2d`` (3x3, padding 1) with a fast path for 1x1 and strided 2x2 inputs."""

    def forward(self, x: Tensor) -> Tensor:
        size = tuple(x.shape[-2:])
        if size == (1, 1):  # any stride: output 1x1 from the centre tap
            out = F.linear(x.flatten(1), self.weight[:, :, 1, 1], self.bias)  # [N, O]
            return out[:, :, None, None]
        if size == (2, 2) and self.stride == (2, 2):  # output 1x1 from taps [1:3, 1:3]
            weight = self.weight[:, :, 1:, 1:].reshape(self.out_channels, -1)  # [O, C * 4]
            out = F.linear(x.flatten(1), weight, self.bias)  # [N, O]
            return out[:, :, None, None]
        return super().forward(x)


def convert_tiny_map_convs(module: nn.Module) -> int:
    """Give every plain 3x3 / padding-1 ``nn.Conv2d`` of ``module`` the fast path, in place.

    Parameters, state-dict keys and results (up to float rounding) are unchanged.

    Returns:
        int: The number of converted convolutions.
    """
    count = 0
    for layer in module.modules():
        if (type(layer) is nn.Conv2d and layer.kernel_size == (3, 3)
                and layer.padding == (1, 1) and layer.dilation == (1, 1)
                and layer.groups == 1 and layer.padding_mode == 'zeros'):
            layer.__class__ = TinyMapConv2d
            count += 1
    return count
