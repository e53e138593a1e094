"""A real `trekgen serve` process for tests: started on 127.0.0.1 and a free port, stopped with
Ctrl-C (SIGINT), with everything it printed kept for assertions."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

START_SECONDS = 60  # a first build on a loaded 2-core machine can take a while
WAIT_SECONDS = 20


@dataclass
class ServeProcess:
    """A running `trekgen serve`, its URL and its output so far."""

    process: subprocess.Popen[str]
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)
    url: str = ""

    def get(self, path: str) -> tuple[int, str]:
        """Status and text of a page, relative to the site's root."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as answer:
                return int(answer.status), answer.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return int(error.code), error.read().decode("utf-8")

    def wait_for(self, path: str, test: Callable[[str], bool], what: str) -> str:
        """The page's text once `test` holds for it; fails with `what` when it never does."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            _, text = self.get(path)
            if test(text):
                return text
            time.sleep(0.05)
        raise AssertionError(f"{what} never happened; stderr: {self.err[-5:]}")

    def wait_for_line(self, stream: list[str], test: Callable[[str], bool], what: str) -> str:
        """The first printed line for which `test` holds."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            found = next((line for line in list(stream) if test(line)), None)
            if found is not None:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{what} was never printed; out: {self.out}, err: {self.err}")

    def interrupt(self) -> int:
        """Press Ctrl-C and wait for the exit status."""
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=WAIT_SECONDS)
        finally:
            time.sleep(0.1)  # let the readers take the last lines


def _read(stream: IO[str], into: list[str]) -> None:
    for line in stream:
        into.append(line.rstrip("\n"))


@contextmanager
def serving(source: Path, *args: str) -> Iterator[ServeProcess]:
    """`trekgen serve --source SOURCE --port 0 ARGS` from the folder above SOURCE."""
    command = [sys.executable, "-m", "trekgen", "serve", "--source", source.name, "--port", "0"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [*command, *args],
        cwd=source.parent,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    served = ServeProcess(process)
    assert process.stdout is not None and process.stderr is not None
    for stream, into in ((process.stdout, served.out), (process.stderr, served.err)):
        threading.Thread(target=_read, args=(stream, into), daemon=True).start()
    try:
        deadline = time.monotonic() + START_SECONDS
        while not served.url and time.monotonic() < deadline and process.poll() is None:
            found = [m for line in served.out if (m := re.search(r"serving (http://\S+)", line))]
            served.url = found[0][1] if found else ""
            time.sleep(0.05)
        assert served.url, f"trekgen serve did not start: {served.out} {served.err}"
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=WAIT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
