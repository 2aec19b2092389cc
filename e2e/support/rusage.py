#!/usr/bin/python3
"""Run a command and record its resource usage as the kernel accounts it at reaping time.

  /usr/bin/python3 rusage.py OUT.json -- CMD [ARGS...]

stdin/stdout/stderr are inherited; SIGTERM/SIGINT are forwarded. After the child exits,
OUT.json holds {"exitCode", "signal", "wallSeconds", "userSeconds", "sysSeconds",
"cpuSeconds", "peakRssBytes"} for that child (and any descendants it waited for); the
wrapper exits with the child's code. Works where GNU time is not installed.
"""

import json
import os
import signal
import sys
import time


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.stderr.write(__doc__)
        sys.exit(2)
    out, cmd = sys.argv[1], sys.argv[3:]
    t0 = time.time()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        except OSError as e:
            sys.stderr.write("rusage.py: cannot run %s: %s\n" % (cmd[0], e))
            os._exit(127)

    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    while True:
        try:
            _, status, ru = os.wait4(pid, 0)
            break
        except InterruptedError:
            continue
    wall = time.time() - t0
    code = os.waitstatus_to_exitcode(status)
    res = {"exitCode": code if code >= 0 else None, "signal": -code if code < 0 else None,
           "wallSeconds": round(wall, 4), "userSeconds": round(ru.ru_utime, 4),
           "sysSeconds": round(ru.ru_stime, 4), "cpuSeconds": round(ru.ru_utime + ru.ru_stime, 4),
           "peakRssBytes": ru.ru_maxrss * 1024}
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(res, f)
    os.replace(tmp, out)
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
