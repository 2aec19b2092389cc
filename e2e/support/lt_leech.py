#!/usr/bin/python3
"""A libtorrent leecher for Tessera's interop tests and benchmark.

  /usr/bin/python3 lt_leech.py (--torrent T | --magnet URI) --save DIR [--peer 127.0.0.1:P ...]
      [--listen 127.0.0.3:0] [--timeout 300] [--progress-interval 0.5] [--seed-after] [--report-pieces]

Prints a line "LISTEN {"port": P}" once its socket is open (others may dial it), then JSON
lines {"event":"progress",...} and finally
  {"event":"done","seconds":S,"bytes":B,"rateMiBs":R,"cpuSeconds":C,"peakRssBytes":M,
   "hashFailures":H,"peers":[{"endpoint":"ip:port","downloaded":n,"client":...}]}
where `seconds` runs from the first connection attempt to the last piece verified, `bytes`
is the payload received and `peers` lists every peer that sent payload (polled, so the
figure is a lower bound). Exits 0 when complete, 1 on timeout or error. --seed-after keeps
it running as a seed until killed / stdin closes. --report-pieces adds "pieces" (the indices
of the pieces it verified) to the timeout and done lines.
"""

import argparse
import sys
import threading
import time

import lt_common as c
from lt_common import lt


def peer_key(pi):
    return "%s:%d" % (pi.ip[0], pi.ip[1])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--torrent", default=None)
    p.add_argument("--magnet", default=None)
    p.add_argument("--save", required=True)
    p.add_argument("--timeout", type=float, default=300.0)
    p.add_argument("--progress-interval", type=float, default=0.5, help="0 = no progress lines")
    p.add_argument("--seed-after", action="store_true")
    p.add_argument("--sequential", action="store_true")
    p.add_argument("--report-pieces", action="store_true")
    p.add_argument("--peer-after-hash-failure", action="append", default=[],
                   help="host:port dialled only once a piece has failed its hash check (repeatable)")
    p.add_argument("--log-hash-messages", action="store_true",
                   help="print BEP 52 hash messages as JSON lines {\"event\":\"hash-message\",\"endpoint\":...,\"message\":...}")
    c.add_session_args(p)
    args = p.parse_args()
    if bool(args.torrent) == bool(args.magnet):
        p.error("give exactly one of --torrent or --magnet")

    ses = c.make_session(args, "leech")
    if args.log_hash_messages:
        # Hash requests, hashes and rejects are only in libtorrent's peer log.
        ses.apply_settings({"alert_mask": ses.get_settings()["alert_mask"] | lt.alert.category_t.peer_log_notification})
    alerts = c.AlertWaiter(ses)
    port = c.listen_port(ses)
    if args.dht:
        c.wait_for_dht(ses)
    sys.stdout.write("LISTEN " + c.json.dumps({"port": port}) + "\n")
    sys.stdout.flush()

    atp = c.add_torrent_params(args, torrent_path=args.torrent, magnet=args.magnet, save=args.save)
    if args.sequential:
        atp.flags |= lt.torrent_flags.sequential_download
    t0 = time.time()
    h = ses.add_torrent(atp)
    c.connect_peers(h, args.peer, args.peer_v2)

    per_peer = {}
    clients = {}
    hash_failures = 0
    done = False
    finished_at = None
    next_progress = t0
    next_peer_poll = t0

    def poll_peers():
        for pi in h.get_peer_info():
            k = peer_key(pi)
            if pi.total_download > per_peer.get(k, 0):
                per_peer[k] = pi.total_download
            cl = pi.client
            clients[k] = cl.decode("utf-8", "replace") if isinstance(cl, bytes) else cl

    while True:
        # Sleep until an alert arrives (at most 100 ms): the finish is seen the moment it happens.
        alerts.wait(100)
        now = time.time()
        for a in ses.pop_alerts():
            if isinstance(a, lt.hash_failed_alert):
                hash_failures += 1
                c.connect_peers(h, args.peer_after_hash_failure)
                args.peer_after_hash_failure = []
            if args.log_hash_messages and isinstance(a, lt.peer_log_alert) and "HASH" in a.message():
                c.emit({"event": "hash-message", "endpoint": c.alert_json(a).get("endpoint"), "message": a.message()})
            if isinstance(a, lt.torrent_finished_alert) and not done:
                done = True
                finished_at = now
            if isinstance(a, (lt.torrent_error_alert, lt.file_error_alert)):
                c.emit({"event": "error", "message": a.message()})
                sys.exit(1)
            if args.log_alerts and type(a).__name__ in c.INTERESTING_ALERTS:
                c.emit(c.alert_json(a))
        if now >= next_peer_poll:
            next_peer_poll = now + 0.25
            poll_peers()
        if args.progress_interval > 0 and now >= next_progress:
            next_progress = now + args.progress_interval
            st = h.status()
            c.emit({"event": "progress", "seconds": round(now - t0, 3), "progress": round(st.progress, 6),
                    "bytes": st.total_payload_download, "rate": st.download_payload_rate,
                    "peers": st.num_peers, "state": str(st.state), "hasMetadata": st.has_metadata})
        if done:
            break
        if now - t0 > args.timeout:
            st = h.status()
            out = {"event": "timeout", "seconds": round(now - t0, 3), "progress": st.progress,
                   "bytes": st.total_payload_download,
                   "peers": [{"endpoint": k, "downloaded": v} for k, v in per_peer.items()]}
            if args.report_pieces:
                out["pieces"] = [i for i, have in enumerate(st.pieces) if have]
            c.emit(out)
            sys.exit(1)

    # Connections to seeds stay open (close_redundant_connections=false): final per-peer totals.
    poll_peers()
    st = h.status()
    seconds = max(finished_at - t0, 1e-6)
    total = st.total_payload_download
    out = {"event": "done", "infoHash": str(h.info_hash()), "size": h.torrent_file().total_size(),
           "seconds": round(seconds, 4), "bytes": total,
           "rateMiBs": round(total / seconds / 1048576, 2), "hashFailures": hash_failures,
           "peers": [{"endpoint": k, "downloaded": v, "client": clients.get(k, "")}
                     for k, v in sorted(per_peer.items()) if v > 0]}
    out.update(c.self_usage())
    if args.report_pieces:
        out["pieces"] = [i for i, have in enumerate(st.pieces) if have]
    c.emit(out)

    if args.seed_after:
        stop = threading.Event()
        c.stdin_watch(stop)
        while not stop.is_set():
            for a in ses.pop_alerts():
                if args.log_alerts and type(a).__name__ in c.INTERESTING_ALERTS:
                    c.emit(c.alert_json(a))
            stop.wait(0.1)


if __name__ == "__main__":
    main()
