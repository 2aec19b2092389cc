#!/usr/bin/python3
"""A libtorrent seeder for Tessera's interop tests and benchmark.

  /usr/bin/python3 lt_seed.py --torrent T [--torrent T2 ...] --save DIR [--listen 127.0.0.2:0] ...

Checks the data (or trusts it with --seed-mode), then prints one line
  READY {"port": P, "listen": "127.0.0.1:P", "infoHashes": [...], "dht": bool}
and stays up until it is killed or its stdin closes. With --status-interval it prints
{"event":"status",...} lines (peers, uploaded bytes); with --log-alerts, peer/tracker/DHT alerts.
A torrent without complete data makes it exit non-zero with a clear message (use --allow-partial
to seed whatever is there, e.g. as a partial peer in a swarm test).
"""

import argparse
import sys
import threading
import time

import lt_common as c
from lt_common import lt


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--torrent", action="append", default=[], help=".torrent file (repeatable)")
    p.add_argument("--save", required=True, help="directory that holds the torrent's data")
    p.add_argument("--seed-mode", action="store_true",
                   help="trust the data instead of hashing it first (libtorrent verifies lazily)")
    p.add_argument("--allow-partial", action="store_true", help="do not require complete data")
    p.add_argument("--upload-mode", action="store_true",
                   help="never download (libtorrent's upload_mode): a partial peer stays partial")
    p.add_argument("--status-interval", type=float, default=0.0, help="seconds between status lines (0 = none)")
    p.add_argument("--check-timeout", type=float, default=600.0)
    c.add_session_args(p)
    args = p.parse_args()
    if not args.torrent:
        p.error("give at least one --torrent")

    ses = c.make_session(args, "seed")
    port = c.listen_port(ses)
    if args.dht:
        c.wait_for_dht(ses)

    handles = []
    for t in args.torrent:
        handles.append(ses.add_torrent(c.add_torrent_params(args, torrent_path=t, save=args.save, seed_mode=args.seed_mode)))

    # Wait for the check to finish: READY means "every piece is there and verified".
    deadline = time.time() + args.check_timeout
    checked = set()
    while len(checked) < len(handles):
        for a in ses.pop_alerts():
            if isinstance(a, (lt.torrent_error_alert, lt.file_error_alert)):
                sys.stderr.write("lt_seed: %s\n" % a.message())
                sys.exit(4)
            if isinstance(a, lt.torrent_checked_alert):
                checked.add(str(a.handle.info_hash()))
            if args.log_alerts and type(a).__name__ in c.INTERESTING_ALERTS:
                c.emit(c.alert_json(a))
        if time.time() > deadline:
            sys.stderr.write("lt_seed: data check did not finish in %.0fs\n" % args.check_timeout)
            sys.exit(4)
        time.sleep(0.01)

    for h in handles:
        s = h.status()
        if not args.allow_partial and not s.is_seeding:
            sys.stderr.write("lt_seed: data for %s in %s is incomplete or wrong (%d of %d pieces verified)\n"
                             % (s.name, args.save, s.num_pieces, h.torrent_file().num_pieces()))
            sys.exit(5)
        if args.upload_mode:
            h.set_flags(lt.torrent_flags.upload_mode)
        c.connect_peers(h, args.peer, args.peer_v2)

    info_hashes = [str(h.info_hash()) for h in handles]
    ready = {"port": port, "listen": args.listen.rsplit(":", 1)[0] + ":%d" % port,
             "infoHashes": info_hashes, "dht": bool(args.dht)}
    sys.stdout.write("READY " + c.json.dumps(ready) + "\n")
    sys.stdout.flush()

    stop = threading.Event()
    c.stdin_watch(stop)
    next_status = time.time() + args.status_interval
    while not stop.is_set():
        for a in ses.pop_alerts():
            if args.log_alerts and type(a).__name__ in c.INTERESTING_ALERTS:
                c.emit(c.alert_json(a))
        if args.status_interval > 0 and time.time() >= next_status:
            next_status += args.status_interval
            for h in handles:
                st = h.status()
                peers = [{"endpoint": "%s:%d" % pi.ip, "uploaded": pi.total_upload, "downloaded": pi.total_download,
                          "client": pi.client.decode("utf-8", "replace") if isinstance(pi.client, bytes) else pi.client}
                         for pi in h.get_peer_info()]
                c.emit({"event": "status", "infoHash": str(h.info_hash()), "state": str(st.state),
                        "progress": st.progress, "uploaded": st.total_payload_upload,
                        "downloaded": st.total_payload_download, "peers": peers})
        stop.wait(0.05)


if __name__ == "__main__":
    main()
