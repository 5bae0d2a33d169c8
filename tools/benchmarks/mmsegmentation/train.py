# Copyright (c) mmswav contributors. All rights reserved.
"""Fine-tune and test a converted SwAV checkpoint with mmseg's own Runner.

Example (one GPU, or CPU with --sync-bn-to-bn):
    python tools/benchmarks/mmsegmentation/train.py CONFIG CKPT [--sync-bn-to-bn] [--work-dir DIR]
Several GPUs: tools/benchmarks/mmsegmentation/dist_train.sh CONFIG CKPT GPUS [ARGS]
"""
import sys

from mmswav.apis.downstream import main

if __name__ == '__main__':
    main('mmseg', sys.argv[1:])
