"""A plain progress bar on stderr (no dependency). On a terminal it redraws one line; elsewhere
(CI, logs) it prints a line at every 10 %. Shows the rate (`unit`/s) and the time left."""

from __future__ import annotations

import sys
import time
from typing import IO, Optional


class Progress:
    def __init__(
        self, total: int, label: str, *, enabled: bool = True, stream: Optional[IO[str]] = None, unit: str = ""
    ) -> None:
        self.total = max(0, total)
        self.unit = unit
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = enabled and self.total > 0
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.done = 0
        self.t0 = time.monotonic()
        self._last_draw = 0.0
        self._last_decile = -1
        self.extra = ""

    def advance(self, n: int = 1, extra: str = "") -> None:
        self.done += n
        if extra:
            self.extra = extra
        if not self.enabled:
            return
        now = time.monotonic()
        if self.tty:
            if now - self._last_draw >= 0.1 or self.done >= self.total:
                self._last_draw = now
                self._draw(now, end="")
        else:
            decile = (min(self.done, self.total) * 10) // self.total if self.total else 10
            if decile != self._last_decile:
                self._last_decile = decile
                self._draw(now, end="\n")

    def _draw(self, now: float, end: str) -> None:
        frac = min(1.0, self.done / self.total) if self.total else 1.0
        width = 30
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        elapsed = now - self.t0
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = max(0, self.total - self.done) / rate if rate > 0 else 0.0
        line = (
            f"{self.label} [{bar}] {self.done}/{self.total} {frac * 100:5.1f}% "
            f"{rate:6.0f}{' ' + self.unit if self.unit else ''}/s eta {eta:4.0f}s {self.extra}"
        )
        prefix = "\r\x1b[K" if self.tty else ""
        self.stream.write(prefix + line + end)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.tty:
            self._draw(time.monotonic(), end="\n")
