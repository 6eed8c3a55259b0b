"""Progress lines prefixed with the seconds elapsed since the run started."""

import sys
import time

_T0 = time.monotonic()


def elapsed() -> float:
    return time.monotonic() - _T0


def say(message: str) -> None:
    print(f"[{elapsed():7.1f}s] {message}", file=sys.stdout, flush=True)
