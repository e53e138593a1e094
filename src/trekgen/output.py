"""The only writer: safe paths, a staging folder, and an atomic swap into place."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
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


def write_site(
    out: Path,
    files: Mapping[str, bytes] | Iterable[tuple[str, bytes]],
    static: dict[str, Path],
) -> list[str]:
    """Write every file into a staging folder, then swap it in place of `out`; the paths written.

    `files` may be an iterator that renders as it goes: each file is then written and let go
    as it comes, so that a large site is never whole in memory (issue 6).
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    written: dict[str, None] = {}
    folders: set[Path] = set()
    try:
        for relative, source in static.items():
            shutil.copyfile(source, _target(staging, relative, folders))
            written[relative] = None
        for relative, data in files.items() if isinstance(files, Mapping) else files:
            _target(staging, relative, folders).write_bytes(data)
            written[relative] = None
        (staging / MARKER).write_text("Written by trekgen; replaced on every build.\n")
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return list(written)


def _target(staging: Path, relative: str, folders: set[Path]) -> Path:
    """Where `relative` goes in the staging folder, its folder made once."""
    target = safe_join(staging, relative)
    if target.parent not in folders:
        target.parent.mkdir(parents=True, exist_ok=True)
        folders.add(target.parent)
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
