"""The only writer: safe paths, a staging folder, and an atomic swap into place."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from trekgen.errors import UsageError, display_path

MARKER = ".trekgen-output"


def safe_join(root: Path, relative: str) -> Path:
    """`root / relative`, refusing anything that would land outside `root`."""
    parts = PurePosixPath(relative).parts
    if (
        not relative
        or relative.startswith("/")
        or "\\" in relative
        or any(p in {"..", "."} or ":" in p for p in parts)
    ):
        raise UsageError(f"refusing to write outside the output folder: {relative!r}")
    return root.joinpath(*parts)


def check_output(out: Path, source: Path) -> None:
    """Refuse an output folder that holds the source or the project, or files not ours."""
    out, source = out.resolve(), source.resolve()
    shown = display_path(out)
    guarded = {
        source: "the source folder",
        source.parent: "the project folder",
        Path.cwd().resolve(): "the current folder",
    }
    for place, name in guarded.items():
        if out == place or out in place.parents:
            raise UsageError(f"refusing to use {shown} as output: it contains {name}")
    if source in out.parents:
        raise UsageError(f"refusing to use {shown} as output: it is inside the source folder")
    if out.exists() and not out.is_dir():
        raise UsageError(f"refusing to use {shown} as output: it is a file")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise UsageError(
            f"refusing to use {shown} as output: it holds files trekgen did not write "
            f"(no {MARKER}); empty it or choose another folder"
        )


class Staging:
    """A new folder beside the output folder, filled file by file, then swapped into place.

    `write` may be called from forked workers too: each makes the folders it needs, and a
    folder another process made first is no error.
    """

    def __init__(self, out: Path) -> None:
        self.out = out.resolve()
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.staging-", dir=self.out.parent))
        self._folders: set[Path] = set()

    def write(self, relative: str, data: bytes) -> str:
        """Write one file; its relative path back."""
        self._target(relative).write_bytes(data)
        return relative

    def copy(self, relative: str, source: Path) -> str:
        """Copy one file in; its relative path back."""
        shutil.copyfile(source, self._target(relative))
        return relative

    def commit(self) -> None:
        """Put the staging folder in place of the output folder."""
        (self.path / MARKER).write_text("Written by trekgen; replaced on every build.\n")
        _swap(self.path, self.out)

    def discard(self) -> None:
        """Remove the staging folder; the output folder stays as it was."""
        shutil.rmtree(self.path, ignore_errors=True)

    def _target(self, relative: str) -> Path:
        """Where `relative` goes, its folder made once."""
        target = safe_join(self.path, relative)
        if target.parent not in self._folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(target.parent)
        return target


def _swap(staging: Path, out: Path) -> None:
    staging.chmod(0o755)
    if not out.exists():
        os.replace(staging, out)
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    os.replace(out, old)
    try:
        os.replace(staging, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)
