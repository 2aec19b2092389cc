#!/usr/bin/python3
"""A libtorrent peer that finds others only through Local Service Discovery (BEP 14).

  /usr/bin/python3 lt_lsd_peer.py --torrent T --save DIR --listen 10.77.0.1:6881 [--seed]

No DHT, no trackers, no UPnP/NAT-PMP; LSD on, announcing every few seconds
(local_service_announce_interval) so a test need not wait libtorrent's default 5 minutes.
Prints READY {"port": P}, then {"event":"status",...} lines (progress, peers with their
source flags; every peer seen so far) five times a second, and {"event":"done"} when the download is complete. Exits
when stdin closes. Run it inside a network namespace the test created.
"""

import argparse
import json
import os
import sys
import threading
import time

import libtorrent as lt


def emit(obj):
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--torrent", required=True)
    p.add_argument("--save", required=True)
    p.add_argument("--listen", required=True)
    p.add_argument("--seed", action="store_true")
    p.add_argument("--no-announce", action="store_true",
                   help="the torrent is never announced by LSD (disable_lsd), but peers heard by LSD are still used")
    args = p.parse_args()

    ses = lt.session({
        "listen_interfaces": args.listen,
        "enable_dht": False,
        "enable_lsd": True,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_incoming_utp": False,
        "enable_outgoing_utp": False,
        "local_service_announce_interval": 3,
        # Slow enough (a few seconds for the test file) that the status lines see the peer.
        "download_rate_limit": 1024 * 1024,
        "ignore_limits_on_local_network": False,
        "alert_mask": lt.alert.category_t.error_notification | lt.alert.category_t.status_notification | lt.alert.category_t.peer_notification,
        "user_agent": "tessera-test-lsd/libtorrent-%s" % lt.__version__,
    })
    deadline = time.time() + 10
    while not ses.listen_port() and time.time() < deadline:
        time.sleep(0.02)
    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(args.torrent)
    atp.save_path = args.save
    atp.flags &= ~lt.torrent_flags.auto_managed
    atp.flags &= ~lt.torrent_flags.paused
    if args.no_announce:
        atp.flags |= lt.torrent_flags.disable_lsd
    h = ses.add_torrent(atp)
    emit({"event": "ready", "port": ses.listen_port()})

    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    done = False
    seen = {}
    while True:
        ses.pop_alerts()
        s = h.status()
        peers = [{"ip": "%s:%d" % (pi.ip[0], pi.ip[1]), "lsd": bool(pi.source & lt.peer_info.lsd),
                  "client": pi.client.decode("utf-8", "replace") if isinstance(pi.client, bytes) else pi.client}
                 for pi in h.get_peer_info()]
        for peer in peers:
            seen[peer["ip"]] = peer
        emit({"event": "status", "progress": s.progress, "state": str(s.state), "peers": list(seen.values())})
        if not done and not args.seed and s.is_seeding:
            done = True
            emit({"event": "done"})
        time.sleep(0.2)


if __name__ == "__main__":
    main()
