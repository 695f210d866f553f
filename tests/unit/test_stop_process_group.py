"""The benchmarks' server processes are stopped with their children, killed if they linger."""

from __future__ import annotations

import subprocess
import sys

from ops.servers import stop_process_group


def test_a_group_is_terminated_and_one_ignoring_sigterm_is_killed() -> None:
    polite = subprocess.Popen(["sleep", "60"], start_new_session=True)
    stop_process_group(polite)
    assert polite.returncode == -15
    stubborn = subprocess.Popen(
        [sys.executable, "-c", "import signal, time, sys; "
         "signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); "
         "time.sleep(60)"], start_new_session=True, stdout=subprocess.PIPE)
    assert stubborn.stdout is not None and stubborn.stdout.readline() == b"ready\n"
    stop_process_group(stubborn, grace=0.5)
    assert stubborn.returncode == -9
