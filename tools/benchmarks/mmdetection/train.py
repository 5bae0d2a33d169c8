# Copyright (c) mmswav contributors. All rights reserved.
"""Fine-tune and test a converted SwAV checkpoint with mmdet's own Runner.

Example (one GPU, or CPU with --sync-bn-to-bn):
    python tools/benchmarks/mmdetection/train.py CONFIG CKPT [--sync-bn-to-bn] [--work-dir DIR]
Several GPUs: tools/benchmarks/mmdetection/dist_train.sh CONFIG CKPT GPUS [ARGS]
"""
import sys

from mmswav.apis.downstream import main

if __name__ == '__main__':
    main('mmdet', sys.argv[1:])
