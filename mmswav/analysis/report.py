# Copyright (c) mmswav contributors. All rights reserved.
"""A static HTML report (one file, a ``thumbs/`` folder and the usage figure; no server, no
internet): largest clusters first with their top images, neighbour rows, duplicate pairs."""
import io
import os
import os.path as osp
from html import escape
from typing import Callable, Dict, Sequence

from PIL import Image

from mmswav.datasets.transforms.robust_loading import decode_rgb_file

CSS = """body{font-family:sans-serif;margin:1.5em;color:#222}h2{margin-top:1.6em}
.row{display:flex;flex-wrap:wrap;gap:6px;align-items:flex-start;margin:.3em 0 1em}
figure{margin:0;width:132px;font-size:11px;text-align:center;overflow-wrap:anywhere}
figure img{max-width:128px;max-height:128px;display:block;margin:auto}
.query{border:2px solid #c33;padding:2px}td,th{padding:2px 8px;text-align:left}
.muted{color:#777;font-size:12px}"""


class Thumbnails:
    """JPEG thumbnails in ``<out_dir>/thumbs``, made on first request only.

    Args:
        out_dir (str): The report's folder.
        read (Callable[[int], bytes]): The stored bytes of a row's image.
        size (int): Longest side in pixels; images under half of it are enlarged by a whole
            factor (nearest neighbour). Defaults to 128.
    """

    def __init__(self, out_dir: str, read: Callable[[int], bytes], size: int = 128) -> None:
        self.out_dir, self.read, self.size = out_dir, read, size
        os.makedirs(osp.join(out_dir, 'thumbs'), exist_ok=True)

    def _make(self, name: str, data: bytes) -> str:
        rel = f'thumbs/{name}.jpg'
        path = osp.join(self.out_dir, rel)
        if not osp.exists(path):
            img = Image.fromarray(decode_rgb_file(io.BytesIO(data)))
            img.thumbnail((self.size, self.size), Image.BICUBIC)
            zoom = -(-self.size // 2 // max(img.size))  # small images (CIFAR) shown >= 64 px
            if zoom > 1:
                img = img.resize((img.width * zoom, img.height * zoom), Image.NEAREST)
            img.save(path, quality=85)
        return rel

    def row(self, row: int) -> str:
        """The thumbnail of a row of the analysed set (its relative URL)."""
        return self._make(f'{row:07d}', self.read(row))

    def file(self, path: str, name: str) -> str:
        """The thumbnail of an image file from outside the set."""
        with open(path, 'rb') as f:
            return self._make(name, f.read())

    def count(self) -> int:
        return len(os.listdir(osp.join(self.out_dir, 'thumbs')))


def _short(path: str) -> str:
    """``<folder>/<file>``: enough to find an image, short enough for a caption."""
    return osp.join(osp.basename(osp.dirname(path)), osp.basename(path))


def _figure(src: str, title: str, caption: str, cls: str = '') -> str:
    return (f'<figure{f" class={cls!r}" if cls else ""}><img src="{escape(src)}" '
            f'title="{escape(title)}" alt="{escape(osp.basename(title))}">'
            f'<figcaption>{escape(caption)}</figcaption></figure>')


def _table(rows: Sequence[Sequence], header: Sequence[str]) -> str:
    head = ''.join(f'<th>{escape(str(h))}</th>' for h in header)
    body = ''.join('<tr>' + ''.join(f'<td>{escape(str(c))}</td>' for c in r) + '</tr>'
                   for r in rows)
    return f'<table><tr>{head}</tr>{body}</table>'


def render(page: Dict, paths: Sequence[str], thumbs: Thumbnails) -> str:
    """The HTML of ``page``: ``title``, ``summary`` (``[(label, value)]``), ``assignment``,
    ``num_clusters``, ``clusters`` (``[(id, size, [(row, score)])]``), ``neighbours``
    (``[(query path, query row or None, [(row, cosine)])]``), ``duplicates``
    (``[(row, row, cosine)]``), ``usage_png``, ``prototypes`` and ``skipped`` (paths)."""
    parts = [f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(page["title"])}'
             f'</title><style>{CSS}</style></head><body><h1>{escape(page["title"])}</h1>',
             _table(page['summary'], ['', '']),
             f'<h2>Clusters ({escape(page["assignment"])}): <span id="num-clusters">'
             f'{page["num_clusters"]}</span> non-empty, the {len(page["clusters"])} largest '
             'shown</h2>']
    for cluster, size, members in page['clusters']:
        parts.append(f'<h3 class="cluster" data-cluster="{cluster}">cluster {cluster}: '
                     f'{size} image(s)</h3><div class="row">')
        parts += [_figure(thumbs.row(r), paths[r], f'{s:.3f} {_short(paths[r])}')
                  for r, s in members]
        parts.append('</div>')
    parts.append(f'<h2>Nearest neighbours ({len(page["neighbours"])} queries)</h2>')
    for n, (query, own, row) in enumerate(page['neighbours']):
        src = thumbs.row(own) if own is not None else thumbs.file(query, f'query_{n:04d}')
        parts.append('<div class="row">' + _figure(src, query, 'query', 'query'))
        parts += [_figure(thumbs.row(r), paths[r], f'{s:.3f} {_short(paths[r])}')
                  for r, s in row]
        parts.append('</div>')
    parts.append(f'<h2>Near-duplicate pairs: {page["num_duplicates"]} '
                 f'(cosine &ge; {page["dup_threshold"]})</h2>')
    for a, b, s in page['duplicates']:
        parts.append('<div class="row">'
                     + _figure(thumbs.row(a), paths[a], f'{s:.4f} {_short(paths[a])}')
                     + _figure(thumbs.row(b), paths[b], _short(paths[b])) + '</div>')
    parts.append(_prototypes(page))
    if page['skipped']:
        parts.append(f'<h2>Unreadable files left out ({len(page["skipped"])})</h2><ul>'
                     + ''.join(f'<li>{escape(p)}</li>' for p in page['skipped']) + '</ul>')
    parts.append('</body></html>')
    return '\n'.join(parts)


def _prototypes(page: Dict) -> str:
    proto = page['prototypes']
    groups = '; '.join(', '.join(map(str, g)) for g in proto['near_copy_groups'][:50])
    unused = ', '.join(map(str, proto['unused'][:200]))
    return (f'<h2>Prototypes</h2><img src="{escape(page["usage_png"])}" alt="usage" '
            f'style="max-width:100%"><p>{len(proto["near_copy_pairs"])} near-copy pair(s) '
            f'(cosine &ge; {proto["threshold"]}) in {len(proto["near_copy_groups"])} '
            f'group(s): <span class="muted">{escape(groups)}</span></p>'
            f'<p>{len(proto["unused"])} unused prototype(s): <span class="muted">'
            f'{escape(unused)}</span></p>')


def write_report(out_dir: str, page: Dict, paths: Sequence[str], thumbs: Thumbnails,
                 name: str = 'report.html') -> str:
    """Write the page (thumbnails made for the images it shows); its path."""
    path = osp.join(out_dir, name)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(render(page, paths, thumbs))
    return path

