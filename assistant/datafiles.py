"""The one cache of the data files staff edit (parameters, rules, texts, cue words): a file is parsed once, and
again as soon as it changes on disk, so an edit is served without a restart.

`cached(path, build)` returns `build(parsed YAML)` for the file as it is now; `cached_yaml(path)` the parsed
YAML itself. Keyed by the path and the builder, so two readers of one file each keep their own result.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Callable

import yaml

_cache: dict[tuple[Path, Callable[[Any], Any]], tuple[int, int, Any]] = {}
_lock = threading.Lock()


def _identity(data: Any) -> Any:
    return data


def cached(path: Path, build: Callable[[Any], Any]) -> Any:
    """`build(yaml.safe_load(file))`, rebuilt when the file's modification time or size changes."""
    path = Path(path)
    stat = os.stat(path)
    key = (path, build)
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[:2] == (stat.st_mtime_ns, stat.st_size):
            return hit[2]
    with path.open(encoding="utf-8") as f:
        built = build(yaml.safe_load(f))
    with _lock:
        _cache[key] = (stat.st_mtime_ns, stat.st_size, built)
    return built


def cached_yaml(path: Path) -> Any:
    return cached(path, _identity)
