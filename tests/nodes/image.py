"""The VM image: built once per package set by build-image.sh, cached outside the repository."""

import contextlib
import fcntl
import hashlib
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from .progress import say

HERE = Path(__file__).resolve().parent
BUILD_SCRIPT = HERE / "build-image.sh"
CACHE = Path(os.environ.get("OSBP_NODES_CACHE", Path.home() / ".cache" / "osbp-nodes"))


@dataclass(frozen=True)
class Image:
    dir: Path

    @property
    def disk(self) -> Path:
        return self.dir / "base.qcow2"

    @property
    def kernel(self) -> Path:
        return self.dir / "vmlinuz"

    @property
    def initrd(self) -> Path:
        return self.dir / "initrd.img"


def packages_of(user_data: str) -> list[str]:
    """Package names in a #cloud-config's ``packages:`` key (entries: name or [name, version])."""
    doc = yaml.safe_load(user_data) or {}
    names = []
    for entry in doc.get("packages") or []:
        names.append(entry if isinstance(entry, str) else str(entry[0]))
    return names


@contextlib.contextmanager
def build_lock(image: Image) -> Iterator[None]:
    """One build per image: a second harness run (CI builds images ahead) waits for the first."""
    image.dir.parent.mkdir(parents=True, exist_ok=True)
    with open(image.dir.with_name(image.dir.name + ".lock"), "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"waiting for another build of {image.dir}")
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def is_built(image: Image) -> bool:
    return image.disk.exists() and image.kernel.exists() and image.initrd.exists()


def ensure_image(packages: list[str], log: Path) -> Image:
    """Return the cached image for ``packages`` (building it first if needed: 4-6 min)."""
    pkgs = sorted(set(packages))
    recipe = "\n".join([*pkgs, BUILD_SCRIPT.read_text()])
    key = hashlib.sha256(recipe.encode()).hexdigest()[:16]
    image = Image(CACHE / "images" / key)
    with build_lock(image):
        if is_built(image):
            say(f"image cached: {image.dir} (packages: {' '.join(pkgs)})")
            return image
        say(f"building image {image.dir} with role packages: {' '.join(pkgs)} (log: {log})")
        t0 = time.monotonic()
        tmp = image.dir.with_name(key + ".tmp")
        with log.open("w") as out:
            proc = subprocess.run(
                ["bash", str(BUILD_SCRIPT), str(tmp), *pkgs], stdout=out, stderr=subprocess.STDOUT
            )
        if proc.returncode != 0:
            raise RuntimeError(f"image build failed (exit {proc.returncode}); see {log}")
        tmp.rename(image.dir)
        say(f"image built in {time.monotonic() - t0:.0f}s")
    return image
