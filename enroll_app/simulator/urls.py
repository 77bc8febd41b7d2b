"""The shape check the firmware applies to callback, heartbeat and APK URLs (else 122).

The firmware uses a loose regular expression; this is a linear-time equivalent of its intent:
`http(s)://host[:port][/path][?query]` with plain characters (ftp is accepted too).
"""

from __future__ import annotations

import re

_SCHEME = re.compile(r"(?:[hH][tT]{2}[pP][sS]?|[fF][tT][pP]):/*")
_HOST = re.compile(r"[A-Za-z0-9\-~.]+(?::[0-9]{1,5})?")
_PATH = re.compile(r"[A-Za-z0-9\-~./_%]*")
_QUERY = re.compile(r"[A-Za-z0-9\-~=&_.%]*")
MAX_URL = 2048


def url_looks_valid(url: str) -> bool:
    """True for `http://host[:port][/path][?query]` (also https and ftp)."""
    if len(url) > MAX_URL:
        return False
    scheme = _SCHEME.match(url)
    if scheme is None:
        return False
    rest = url[scheme.end() :]
    rest, _, query = rest.partition("?")
    host, slash, path = rest.partition("/")
    if not host or not _HOST.fullmatch(host) or host.startswith(".") or ".." in host:
        return False
    return bool(_PATH.fullmatch(slash + path) and _QUERY.fullmatch(query))
