# SwAV on a 5x wide ResNet-50: stem 320 channels, 10240-d output. The official release has no
# training script for it: this config keeps the RN50-w4 recipe and exists to build the
# architecture the released weights load into (backbone only; the projection width is a guess).
# Published linear top-1: 78.5.
_base_ = ['./swav_resnet50-w4_64xb40-mcrop-2-4-coslr-400e_in1k-224-96.py']

model = dict(
    backbone=dict(stem_channels=320, base_channels=320),
    neck=dict(in_channels=10240, hid_channels=8192))
