#!/usr/bin/python3
"""A scriptable libtorrent DHT node for Tessera's DHT interop test (loopback only).

  /usr/bin/python3 lt_dht_node.py [--listen 127.0.0.1:0] [--dht-bootstrap 127.0.0.1:P,...]

Starts a libtorrent session with only the DHT running (settings per e2e/support/README.md, "libtorrent on loopback", from
e2e/support/lt_common.py), prints
  READY {"port": P, "nodeId": "<40 hex>"}
then reads one JSON command per stdin line; results come back as JSON lines on stdout:
  {"cmd":"get_peers","infoHash":H}   -> {"event":"peers","infoHash":H,"peers":["ip:port",...]}
                                        (dht_get_peers: one line when the lookup ends)
  {"cmd":"add_node","host":A,"port":N} -> pings it; it joins the routing table if it answers
  {"cmd":"nodes"}                    -> {"event":"nodes","nodes":[{"id":hex,"endpoint":"ip:port"}]}
  {"cmd":"add_magnet","infoHash":H}  -> adds a magnet (no data): libtorrent looks it up on the
                                        DHT and announces it (the Python binding cannot build
                                        dht_announce's flags, so this is how it announces)
Incoming announces are reported as {"event":"incoming_announce","infoHash":H,"endpoint":"ip:port"}.
It exits when stdin closes.
"""

import argparse
import json
import os
import sys
import threading
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import lt_common as c  # noqa: E402
from lt_common import lt  # noqa: E402


def node_id(ses):
    """The DHT node's id (dht_state is deprecated but the only way the binding exposes it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ids = ses.dht_state().get(b"node-id") or []
    return bytes(ids[0][:20]) if ids and len(ids[0]) >= 20 else bytes(20)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_session_args(p)
    args = p.parse_args()
    args.dht = True
    ses = c.make_session(args, "dht")
    # dht_get_peers_reply_alert and dht_live_nodes_alert are dht_operation notifications.
    mask = ses.get_settings()["alert_mask"] | lt.alert.category_t.dht_operation_notification
    ses.apply_settings({"alert_mask": mask})
    port = c.listen_port(ses)
    c.wait_for_dht(ses)
    if not ses.is_dht_running():
        sys.stderr.write("lt_dht_node: the DHT did not start (listen_interfaces must be a literal IP)\n")
        sys.exit(6)
    nid = node_id(ses)
    sys.stdout.write("READY " + json.dumps({"port": port, "nodeId": nid.hex()}) + "\n")
    sys.stdout.flush()

    commands = []
    lock = threading.Lock()
    stop = threading.Event()

    def reader():
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                cmd = json.loads(line)
            except ValueError:
                c.emit({"event": "error", "message": "not JSON: %s" % line[:100]})
                continue
            with lock:
                commands.append(cmd)
        stop.set()

    threading.Thread(target=reader, daemon=True).start()
    handles = []
    while not stop.is_set():
        with lock:
            todo, commands[:] = list(commands), []
        for cmd in todo:
            name = cmd.get("cmd")
            if name == "get_peers":
                ses.dht_get_peers(lt.sha1_hash(bytes.fromhex(cmd["infoHash"])))
            elif name == "add_magnet":
                atp = lt.parse_magnet_uri("magnet:?xt=urn:btih:" + cmd["infoHash"])
                atp.save_path = cmd.get("save", "/tmp")
                atp.flags &= ~lt.torrent_flags.auto_managed
                atp.flags &= ~lt.torrent_flags.paused
                handles.append(ses.add_torrent(atp))
                c.emit({"event": "magnet_added", "infoHash": cmd["infoHash"]})
            elif name == "add_node":
                ses.add_dht_node((cmd["host"], int(cmd["port"])))
                c.emit({"event": "added"})
            elif name == "nodes":
                ses.dht_live_nodes(lt.sha1_hash(nid))
            else:
                c.emit({"event": "error", "message": "unknown command %r" % name})
        for a in ses.pop_alerts():
            if isinstance(a, lt.dht_get_peers_reply_alert):
                peers = ["%s:%d" % (ip, pport) for ip, pport in a.peers()]
                c.emit({"event": "peers", "infoHash": str(a.info_hash), "peers": peers})
            elif isinstance(a, lt.dht_live_nodes_alert):
                nodes = [{"id": str(n["nid"]), "endpoint": "%s:%d" % n["endpoint"]} for n in a.nodes]
                c.emit({"event": "nodes", "nodes": nodes})
            elif type(a).__name__ == "dht_announce_alert":
                c.emit({"event": "incoming_announce", "infoHash": str(a.info_hash), "endpoint": "%s:%d" % (a.ip, a.port)})
            elif isinstance(a, lt.dht_bootstrap_alert):
                c.emit({"event": "bootstrapped"})
        time.sleep(0.02)


if __name__ == "__main__":
    main()
