# Copyright (c) mmswav contributors. All rights reserved.
"""Helpers of the cluster-analysis tests: a tiny checkpoint whose prototypes spread the
images, images with planted copies, the features computed by hand, the tools in a
subprocess, and a headless Chromium."""
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'configs/swav/swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_cifar10-32.py'
K = 8  # prototypes of the tiny checkpoint
OPTIONS = ['--cfg-options', f'model.head.num_prototypes={K}']


def run(script: str, *args, timeout: int = 300) -> subprocess.CompletedProcess:
    """``python <script> args`` from the repository root, one thread; asserts success."""
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, str(REPO / script), *map(str, args)], cwd=REPO,
                         env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out


def smooth_image(rng: np.random.Generator, size: int = 32) -> np.ndarray:
    """A smooth colour field with a disc: distinct images, stable under JPEG."""
    low = rng.uniform(0, 255, (4, 4, 3)).astype(np.uint8)
    img = np.asarray(Image.fromarray(low).resize((size, size), Image.BICUBIC)).astype(float)
    y, x = np.mgrid[:size, :size]
    cx, cy = rng.uniform(0.2 * size, 0.8 * size, 2)
    img[(x - cx) ** 2 + (y - cy) ** 2 < rng.uniform(0.12, 0.3) ** 2 * size ** 2] = \
        rng.uniform(0, 255, 3)
    return np.clip(img, 0, 255).astype(np.uint8)


def planted_folder(root: Path, num: int = 16, seed: int = 0) -> dict:
    """``num`` distinct PNGs in a mixed layout, an exact copy of the first (another name)
    and a JPEG (quality 90) of the second. Returns ``{path: RGB array as decoded}``."""
    rng = np.random.default_rng(seed)
    images = {}
    for i in range(num):
        path = root / ('' if i % 3 else 'sub') / ('deeper' if i % 5 == 0 else '') / f'{i:02d}.png'
        path.parent.mkdir(parents=True, exist_ok=True)
        images[path] = smooth_image(rng)
        Image.fromarray(images[path]).save(path)
    first, second = list(images)[:2]
    shutil.copy(first, root / 'copy_of_first.png')
    images[root / 'copy_of_first.png'] = images[first]
    Image.fromarray(images[second]).save(root / 'near_second.jpg', quality=90)
    images[root / 'near_second.jpg'] = np.asarray(Image.open(root / 'near_second.jpg'))
    return {str(p): img for p, img in images.items()}


def tiny_model():
    from mmengine.config import Config

    from mmswav.registry import MODELS
    cfg = Config.fromfile(str(CONFIG))
    cfg.model.head.num_prototypes = K
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model.eval()


@torch.no_grad()
def by_hand(model, arrays) -> tuple:
    """GAP features ``[N, C]`` and prototype scores ``[N, K]`` of RGB arrays: (x - mean) /
    std, backbone, mean over the map; neck, cosine to the unit prototypes."""
    maps = model.backbone(by_hand_inputs(model, arrays))[-1]
    z = model.neck([maps])[0]
    protos = F.normalize(model.head.prototypes.weight, dim=1)
    return maps.mean(dim=(2, 3)), z @ protos.t()


def spread_checkpoint(model, arrays, path: Path) -> Path:
    """Random-init embeddings are nearly parallel: set the prototypes to the residuals of
    the first K images so that the argmax clusters spread, and save the checkpoint."""
    with torch.no_grad():
        z = model.neck([model.backbone(by_hand_inputs(model, arrays))[-1]])[0]
        model.head.prototypes.weight.copy_(F.normalize(z[:K] - z.mean(0), dim=1))
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


def by_hand_inputs(model, arrays) -> torch.Tensor:
    pre = model.data_preprocessor
    x = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).float()
    return (x - pre.mean.view(1, 3, 1, 1)) / pre.std.view(1, 3, 1, 1)


def bad_files(folder: Path) -> dict:
    """An empty PNG, a truncated JPEG, a grey+alpha (LA) PNG and an RGBA PNG."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    (folder / 'empty.png').write_bytes(b'')
    buffer = io.BytesIO()
    Image.fromarray(smooth_image(rng, 48)).save(buffer, 'JPEG')
    (folder / 'truncated.jpg').write_bytes(buffer.getvalue()[:len(buffer.getvalue()) // 2])
    Image.fromarray(rng.integers(0, 256, (32, 32, 2), dtype=np.uint8), 'LA').save(
        folder / 'grey_alpha.png')
    Image.fromarray(rng.integers(0, 256, (32, 32, 4), dtype=np.uint8), 'RGBA').save(
        folder / 'rgba.png')
    return dict(unreadable=['empty.png', 'truncated.jpg'], readable=['grey_alpha.png',
                                                                    'rgba.png'])


def chromium() -> str:
    """The headless browser; installed with apt as root where missing, else the test skips
    (with the reason)."""
    for name in ('chromium', 'chromium-browser', 'google-chrome'):
        if shutil.which(name):
            return shutil.which(name)
    if os.geteuid() == 0 and shutil.which('apt-get'):
        subprocess.run(['apt-get', 'install', '-y', 'chromium'], capture_output=True,
                       timeout=900, env=dict(os.environ, DEBIAN_FRONTEND='noninteractive'))
        if shutil.which('chromium'):
            return shutil.which('chromium')
    pytest.skip('headless Chromium is not installed and could not be installed '
                '(apt-get install -y chromium, as root)')


CHECK = """<script>window.addEventListener('load', () => {
  const imgs = Array.from(document.images);
  const out = document.createElement('pre'); out.id = 'browser-check';
  out.textContent = JSON.stringify({images: imgs.length,
    broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src')),
    clusters: document.getElementById('num-clusters').textContent,
    shown: document.querySelectorAll('h3.cluster').length});
  document.body.appendChild(out);
});</script>"""


def browser_check(page: Path) -> dict:
    """Open a copy of ``page`` (same folder, so its thumbnails resolve) in headless Chromium
    with a script that writes what it sees into the DOM; that record."""
    import html
    import json
    import re
    probe = page.with_name('_browser_check.html')
    probe.write_text(page.read_text().replace('</body>', CHECK + '</body>'))
    out = subprocess.run([chromium(), '--headless', '--no-sandbox', '--disable-gpu',
                          '--virtual-time-budget=10000', '--dump-dom', probe.as_uri()],
                         capture_output=True, text=True, timeout=180)
    found = re.search(r'<pre id="browser-check">(.*?)</pre>', out.stdout, re.S)
    assert found, out.stdout[-2000:] + out.stderr[-2000:]
    return json.loads(html.unescape(found.group(1)))
