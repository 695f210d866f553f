"""Who has an embedded Chroma store open: processes sharing it, or one process alone.

An embedded (``PersistentClient``) store is one SQLite file plus index files that each client
caches in memory, so a second process writing it behind the first one's back can corrupt it
or be overwritten by it. Every process that opens the embedded store takes a *shared* lock on
``<store>.lock`` (:func:`share`, from ``knowledge.store.persistent_client``) and keeps it until
it exits; a tool that must not run beside them, ``python -m insights report`` loading the
recommender, *claims* the store (:func:`claim`) and is refused at once, with the holders'
process ids, while anyone else has it open. The locks are ``flock`` locks: the kernel drops
them when a process dies, so a crash leaves no stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

#: Lock files this process holds: resolved store folder -> (file descriptor, flock mode).
_held: dict[Path, tuple[int, int]] = {}


class StoreInUse(RuntimeError):
    """The embedded store is open in another process."""


def lock_file(store: Path) -> Path:
    """The lock file of the store folder ``store`` (beside it, not inside Chroma's files)."""
    store = Path(store).resolve()
    return store.with_name(store.name + ".lock")


def _holders(path: Path) -> list[str]:
    """Process ids (with their command) holding ``path`` locked, best effort (Linux)."""
    try:
        inode = os.stat(path).st_ino
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return []
    pids = []
    for line in lines:
        fields = line.split()
        if len(fields) > 5 and fields[1] == "FLOCK" and fields[5].endswith(f":{inode}"):
            pids.append(fields[4])
    described = []
    for pid in dict.fromkeys(pids):
        if int(pid) == os.getpid():
            continue
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            command = ""
        described.append(f"{pid} ({command.strip()[:80]})" if command.strip() else pid)
    return described


def _in_use(store: Path, path: Path) -> StoreInUse:
    holders = _holders(path)
    who = f"process {', '.join(holders)}" if holders else "another process"
    return StoreInUse(f"the embedded Chroma store {store} is open in {who}; stop it first, or "
                      "use a Chroma server (AISLE_CHROMA_URL)")


def _open(store: Path) -> tuple[Path, Path, int]:
    store = Path(store).resolve()
    path = lock_file(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    return store, path, os.open(path, os.O_RDWR | os.O_CREAT, 0o600)


def share(store: Path, wait_seconds: float = 60.0) -> None:
    """Take the store as one of its users until this process exits; waits up to
    ``wait_seconds`` while a process holds it alone, then raises :class:`StoreInUse`."""
    if Path(store).resolve() in _held:
        return
    store, path, descriptor = _open(store)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                error = _in_use(store, path)
                os.close(descriptor)
                raise error from None
            time.sleep(0.1)
    _held[store] = (descriptor, fcntl.LOCK_SH)


def claim(store: Path) -> None:
    """Hold the store alone until :func:`release` or exit; :class:`StoreInUse` at once when
    another process has it open. Opening it in this process afterwards is allowed."""
    resolved = Path(store).resolve()
    if resolved in _held:
        descriptor, mode = _held[resolved]
        if mode == fcntl.LOCK_EX:
            return
        path = lock_file(resolved)
    else:
        resolved, path, descriptor = _open(resolved)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        error = _in_use(resolved, path)
        if resolved in _held:  # a failed conversion may drop the shared lock: take it back
            fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        else:
            os.close(descriptor)
        raise error from None
    _held[resolved] = (descriptor, fcntl.LOCK_EX)


def release(store: Path) -> None:
    """Give up this process's lock on ``store`` (tests; a process's locks end with it)."""
    held = _held.pop(Path(store).resolve(), None)
    if held is not None:
        os.close(held[0])  # closing the only descriptor of the lock file drops the flock
