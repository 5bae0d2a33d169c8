# Copyright (c) mmswav contributors. All rights reserved.
"""mmswav: SwAV (Caron et al., NeurIPS 2020) as an OpenMMLab plugin."""
import warnings

from .version import __version__, version_info

__all__ = ['__version__', 'version_info']

# Soft checks: the stack mmswav is tested with (tools/install.sh). Other versions may work;
# a clear warning beats an obscure error later.
_TESTED = {'mmengine': ('0.10.0', '0.11.0'), 'mmcv': ('2.0.0', '2.2.0'),
           'mmpretrain': ('1.2.0', '1.3.0')}


def _installed(dist: str) -> bool:
    from importlib.metadata import PackageNotFoundError, version
    try:
        version(dist)
    except PackageNotFoundError:
        return False
    return True


def _check_versions() -> None:
    from importlib.metadata import PackageNotFoundError, version

    from packaging.version import parse
    flavours = [d for d in ('mmcv', 'mmcv-lite') if _installed(d)]
    if len(flavours) == 2:
        warnings.warn('mmcv and mmcv-lite are both installed and own the same files; run '
                      '`pip uninstall -y mmcv mmcv-lite`, then `bash tools/install.sh` '
                      '(or `--transfer` for mmcv with its ops)', stacklevel=3)
    for name, (low, high) in _TESTED.items():
        if name == 'mmcv' and flavours:  # mmcv-lite is the same `mmcv` package, without ops
            name = flavours[0]
        try:
            found = version(name)
        except PackageNotFoundError:
            what = 'mmcv-lite (or mmcv)' if name == 'mmcv' else name
            warnings.warn(f'mmswav needs {what}>={low},<{high} but it is not installed; '
                          'run `bash tools/install.sh`', stacklevel=3)
            continue
        if not parse(low) <= parse(found) < parse(high):
            warnings.warn(f'mmswav is tested with {name}>={low},<{high}, found {found}; '
                          'run `bash tools/install.sh` for the tested stack', stacklevel=3)


_check_versions()


def _register_config_package() -> None:
    try:
        from .package_files import register_config_package
        register_config_package()
    except ModuleNotFoundError as error:  # no mmengine: _check_versions said what to install
        if error.name is None or not error.name.startswith('mmengine'):
            raise


# `_base_ = 'mmswav::...'` and `mmswav.configs` bases resolve once mmswav is imported
_register_config_package()
