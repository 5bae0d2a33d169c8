# Copyright (c) mmswav contributors. All rights reserved.
__version__ = '0.1.0'


def parse_version_info(version_str: str) -> tuple:
    """Parse a version string like ``'0.1.0rc1'`` into a tuple.

    Args:
        version_str (str): The version string.

    Returns:
        tuple: For example ``(0, 1, 0, 'rc1')``.
    """
    parts = []
    for x in version_str.split('.'):
        if x.isdigit():
            parts.append(int(x))
        else:
            digits = ''.join(c for c in x if c.isdigit())
            rest = x[len(digits):]
            if digits:
                parts.append(int(digits))
            parts.append(rest)
    return tuple(parts)


version_info = parse_version_info(__version__)
