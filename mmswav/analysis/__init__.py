# Copyright (c) mmswav contributors. All rights reserved.
"""What a SwAV model learned on a set of images: clusters (argmax and balanced Sinkhorn
assignments), prototype overlap, neighbours, near-duplicates, cluster-quality scores and a
static HTML report. ``tools/analysis_tools/cluster_images.py`` is the command line."""
