# Copyright (c) mmswav contributors. All rights reserved.
import copy
from typing import List, Optional, Sequence, Union

from mmcv.transforms import BaseTransform, Compose

from mmswav.registry import TRANSFORMS


@TRANSFORMS.register_module()
class MultiView(BaseTransform):
    """Multi-crop: groups of views, each group with its own pipeline, in group order.

    ``MultiView(num_views=[2, 6], transforms=[global_pipeline, local_pipeline])`` turns
    ``results['img']`` into a list of 8 crops: 2 from the first pipeline, then 6 from the
    second (the order :class:`SwAV` and ``crops_for_assign`` rely on). Every view starts
    from a copy of the input results. The other keys (``img_shape``...) are those of the
    first view.

    Args:
        num_views (int | Sequence[int]): Views per group; an int with a single pipeline.
        transforms (Sequence[Sequence[dict]]): One pipeline (list of transform configs or
            transforms) per group.
    """

    def __init__(self, num_views: Union[int, Sequence[int]],
                 transforms: Sequence[Sequence[Union[dict, callable]]]) -> None:
        if isinstance(num_views, int):
            num_views = [num_views]
        self.num_views = list(num_views)
        if len(self.num_views) != len(transforms):
            raise ValueError(f'MultiView: num_views={self.num_views} has '
                             f'{len(self.num_views)} groups but {len(transforms)} pipelines '
                             'were given; give one pipeline per group')
        if not self.num_views or min(self.num_views) < 1:
            raise ValueError(f'MultiView: num_views must be positive, got {self.num_views}')
        self.pipelines = [Compose(list(pipeline)) for pipeline in transforms]

    @property
    def total_views(self) -> int:
        return sum(self.num_views)

    def transform(self, results: dict) -> Optional[dict]:
        views: List = []
        first: Optional[dict] = None
        for pipeline, count in zip(self.pipelines, self.num_views):
            for _ in range(count):
                out = pipeline(copy.copy(results))
                if out is None:  # a transform filtered the sample out
                    return None
                first = first or out
                views.append(out['img'])
        first = dict(first)
        first['img'] = views
        return first

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_views={self.num_views}, '
                f'pipelines={self.pipelines})')
