# Copyright (c) mmswav contributors. All rights reserved.
"""The images an analysis reads: a folder (any layout), a ``.txt`` list or WebDataset shards
(``manifest.json`` of ``images2shards.py``), each image once, unreadable ones left out."""
import io
import os.path as osp
import tarfile
from typing import List, Sequence

from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from mmswav.datasets.shards.manifest import load_manifest
from mmswav.datasets.shards.stages import IMAGE_EXTENSIONS
from mmswav.datasets.transforms.robust_loading import decode_rgb_file
from mmswav.datasets.unlabeled_images import UnlabeledImageDataset
from mmswav.evaluation.readable import ReadableSamples

_MAX_LISTED = 20  # unreadable shard members named in the log per process


class ShardImages(BaseDataset):
    """Every image member of the shards of a ``manifest.json``, in order, by random access
    (the tar headers are indexed once; a member is read from its byte offset).

    ``img_path`` is ``<shard.tar>/<member name>``. An undecodable member makes
    :meth:`prepare_data` return None (named in the log, the first 20 per process); wrap the
    dataset in :class:`~mmswav.evaluation.readable.ReadableSamples` so it is left out.

    Args:
        manifest (str): The shards' ``manifest.json``.
        pipeline (Sequence[dict]): Transforms after decoding (``img`` set). Defaults to ().
        max_pixels (int): Larger images count as unreadable. Defaults to 2**28.
        channel_order (str): ``'bgr'`` (mmcv's loader) or ``'rgb'``. Defaults to ``'bgr'``.
    """

    def __init__(self, manifest: str, pipeline: Sequence[dict] = (),
                 max_pixels: int = 2**28, channel_order: str = 'bgr') -> None:
        self.manifest_path, self.max_pixels = manifest, max_pixels
        self.bgr, self._listed = channel_order == 'bgr', 0
        super().__init__(ann_file='', data_root='', pipeline=list(pipeline))

    def load_data_list(self) -> List[dict]:
        items = []
        for shard in load_manifest(self.manifest_path)['shards']:
            with tarfile.open(shard['file']) as tar:
                for member in tar:  # headers only
                    ext = member.name.rsplit('.', 1)[-1].lower()
                    if member.isfile() and ext in IMAGE_EXTENSIONS:
                        items.append(dict(img_path=f'{shard["file"]}/{member.name}',
                                          tar_file=shard['file'], offset=member.offset_data,
                                          size=member.size))
        return items

    def prepare_data(self, idx: int):
        info = self.get_data_info(idx)
        try:
            img = decode_rgb_file(io.BytesIO(read_image_bytes(info)), self.max_pixels)
        except Exception as error:  # noqa: BLE001  any decoder / IO failure
            if self._listed < _MAX_LISTED:
                self._listed += 1
                print_log(f'ShardImages: skipped unreadable {info["img_path"]}: '
                          f'{type(error).__name__}: {error}', logger='current', level=30)
            return None
        img = img[..., ::-1].copy() if self.bgr else img
        info.update(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2])
        return self.pipeline(info)


def read_image_bytes(info: dict) -> bytes:
    """The stored bytes of an image: its file, or its member of a tar shard."""
    if 'tar_file' in info:
        with open(info['tar_file'], 'rb') as f:
            f.seek(info['offset'])
            return f.read(info['size'])
    with open(info['img_path'], 'rb') as f:
        return f.read()


def shard_manifest(path: str) -> str:
    """The ``manifest.json`` that ``path`` names (the file, or a folder holding one and its
    ``.tar`` shards); '' when ``path`` is not shards."""
    if osp.isfile(path) and path.endswith('.json'):
        return path
    candidate = osp.join(path, 'manifest.json')
    return candidate if osp.isdir(path) and osp.isfile(candidate) else ''


def build_image_dataset(path: str, transforms: Sequence[dict]) -> ReadableSamples:
    """The images of ``path`` (a folder in any layout, a ``.txt`` list, or shards), decoded
    as training decodes them (``RobustLoadImageFromFile``, BGR), then ``transforms`` and
    ``PackInputs``; unreadable ones come out as ``Skipped`` markers, never as another image.
    """
    if not osp.exists(path):
        raise FileNotFoundError(f'--data {path}: no such folder, file list or manifest')
    tail = [*transforms, dict(type='PackInputs')]
    manifest = shard_manifest(path)
    if manifest:
        dataset = ShardImages(manifest, pipeline=tail)
    else:
        dataset = UnlabeledImageDataset(
            data_root=path, pipeline=[dict(type='RobustLoadImageFromFile'), *tail])
    return ReadableSamples(dataset)
