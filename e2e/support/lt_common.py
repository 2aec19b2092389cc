"""Shared pieces of the libtorrent helper scripts (run with Debian's /usr/bin/python3).

Everything here is loopback-only: callers pass literal 127.x addresses. These scripts are
the "real peer" side of Tessera's interop tests and benchmark, so they must never depend on
Tessera's own code.
"""

import json
import os
import resource
import select
import sys
import threading
import time

try:
    import libtorrent as lt
except ImportError:  # pragma: no cover - reported to the TypeScript side verbatim
    sys.stderr.write(
        "python3-libtorrent is missing for %s: run `sudo scripts/ensure-deps.sh` "
        "(or `apt-get install python3-libtorrent`)\n" % sys.executable
    )
    sys.exit(3)


def emit(obj):
    """One JSON object per stdout line; the TypeScript side parses these."""
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def log(msg):
    sys.stderr.write("[%s %.3f] %s\n" % (os.path.basename(sys.argv[0]), time.time(), msg))
    sys.stderr.flush()


def add_session_args(p):
    """argparse options common to every libtorrent session we start."""
    p.add_argument("--listen", default="127.0.0.1:0",
                   help="listen_interfaces, a literal IP and port (port 0 = any free port)")
    p.add_argument("--outgoing", default=None,
                   help="outgoing_interfaces (a literal IP such as 127.0.0.2; used for PEX tests)")
    p.add_argument("--dht", action="store_true", help="run a DHT node (off by default)")
    p.add_argument("--dht-bootstrap", default="",
                   help="comma-separated host:port DHT bootstrap nodes ('' = none; never a public host)")
    p.add_argument("--no-pex", action="store_true", help="disable ut_pex")
    p.add_argument("--keep-redundant", action="store_true",
                   help="close_redundant_connections=false (seeds keep each other; PEX tests)")
    p.add_argument("--upload-limit", type=int, default=0,
                   help="bytes/s upload limit, applied to loopback peers too (0 = unlimited)")
    p.add_argument("--download-limit", type=int, default=0,
                   help="bytes/s download limit, applied to loopback peers too (0 = unlimited)")
    p.add_argument("--utp", action="store_true", help="allow uTP (off: TCP only, like Tessera)")
    p.add_argument("--tracker", action="append", default=[],
                   help="tracker URL added to every torrent (repeatable)")
    p.add_argument("--peer", action="append", default=[],
                   help="host:port to connect to for every torrent (repeatable)")
    p.add_argument("--peer-v2", action="append", default=[],
                   help="host:port to connect to as a BEP 52 peer (pex_lt_v2: a hybrid is dialled by its v2 hash)")
    p.add_argument("--log-alerts", action="store_true",
                   help="print peer/tracker/DHT alerts as JSON lines {\"event\":\"alert\",...}")
    p.add_argument("--setting", action="append", default=[],
                   help="extra libtorrent setting name=value (int, true/false or string)")


def split_hostport(s):
    if s.startswith("["):
        host, _, port = s[1:].partition("]:")
    else:
        host, _, port = s.rpartition(":")
    return host, int(port)


def _coerce(v):
    if v in ("true", "false"):
        return v == "true"
    try:
        return int(v)
    except ValueError:
        return v


def make_session(args, role):
    """A session tuned for speed on loopback: no rate limits, deep queues, big buffers."""
    limited = args.upload_limit > 0 or args.download_limit > 0
    s = {
        "listen_interfaces": args.listen,
        "enable_dht": bool(args.dht),
        "dht_bootstrap_nodes": args.dht_bootstrap,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_incoming_utp": bool(args.utp),
        "enable_outgoing_utp": bool(args.utp),
        "enable_incoming_tcp": True,
        "enable_outgoing_tcp": True,
        "alert_mask": (lt.alert.category_t.error_notification
                       | lt.alert.category_t.status_notification
                       | lt.alert.category_t.peer_notification
                       | lt.alert.category_t.connect_notification
                       | lt.alert.category_t.tracker_notification
                       | lt.alert.category_t.dht_notification),
        # All test peers share 127.0.0.1: several connections per IP must be allowed.
        "allow_multiple_connections_per_ip": True,
        # A leecher keeps its connections to seeds after finishing so that per-peer totals
        # can still be read; seeds drop each other unless told otherwise.
        "close_redundant_connections": role == "seed" and not args.keep_redundant,
        "ignore_limits_on_local_network": not limited,
        "upload_rate_limit": args.upload_limit,
        "download_rate_limit": args.download_limit,
        "connections_limit": 500,
        "unchoke_slots_limit": -1 if role == "seed" else 8,
        "smooth_connects": False,
        "min_reconnect_time": 1,
        "max_failcount": 20,
        "peer_connect_timeout": 5,
        "torrent_connect_boost": 50,
        "listen_queue_size": 200,
        # Throughput on loopback (figures in e2e/support/README.md).
        "send_buffer_watermark": 64 * 1024 * 1024,
        "send_buffer_low_watermark": 4 * 1024 * 1024,
        "send_buffer_watermark_factor": 150,
        "max_queued_disk_bytes": 64 * 1024 * 1024,
        "max_peer_recv_buffer_size": 8 * 1024 * 1024,
        "max_out_request_queue": 1500,
        "max_allowed_in_request_queue": 4000,
        "request_queue_time": 3,
        "aio_threads": 4,
        "hashing_threads": 2,
        "checking_mem_usage": 2048,
        "file_pool_size": 500,
        "suggest_mode": 0,
        "peer_timeout": 120,
        "inactivity_timeout": 600,
        "user_agent": "tessera-test-%s/libtorrent-%s" % (role, lt.__version__),
        # DHT on loopback (e2e/support/README.md): several 127.0.0.1 nodes in one table, no IP blocking.
        "dht_restrict_routing_ips": False,
        "dht_restrict_search_ips": False,
        "dht_block_ratelimit": 100000,
        "dht_upload_rate_limit": 1000000,
        "dht_announce_interval": 60,
    }
    if args.outgoing:
        s["outgoing_interfaces"] = args.outgoing
    for kv in args.setting:
        k, _, v = kv.partition("=")
        s[k] = _coerce(v)
    return lt.session(s)


def listen_port(ses, timeout=10.0):
    """Wait until the listen socket is open and return its port (listen_interfaces may say :0)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for a in ses.pop_alerts():
            if isinstance(a, lt.listen_failed_alert):
                raise SystemExit("listen failed: %s" % a.message())
        port = ses.listen_port()
        if port:
            return port
        time.sleep(0.02)
    raise SystemExit("libtorrent did not open its listen socket within %.0fs" % timeout)


class AlertWaiter:
    """Sleeps until the session has alerts to pop, or until `ms` have passed.

    Not session.wait_for_alert(): its Python binding turns the pointer to the first queued
    alert into a Python object after the alert queue's lock is released. When the network
    thread grows the queue in between, that pointer is freed memory and the helper dies of
    SIGSEGV (seen once in CI: a leecher gone 2 s into a test). libtorrent writes a byte to
    this pipe instead whenever its queue stops being empty (set_alert_fd).
    """

    def __init__(self, ses):
        self._read, write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(write, False)
        self._write = write  # libtorrent writes here; kept open for the session's life
        ses.set_alert_fd(write)

    def wait(self, ms):
        ready, _, _ = select.select([self._read], [], [], ms / 1000.0)
        if ready:
            try:
                os.read(self._read, 4096)
            except BlockingIOError:
                pass


def wait_for_dht(ses, timeout=20.0):
    """Return once the DHT node has started (or immediately if DHT is off)."""
    if not ses.is_dht_running():
        deadline = time.time() + timeout
        while time.time() < deadline and not ses.is_dht_running():
            time.sleep(0.05)


def add_torrent_params(args, torrent_path=None, magnet=None, save=".", seed_mode=False):
    if magnet:
        atp = lt.parse_magnet_uri(magnet)
    else:
        atp = lt.add_torrent_params()
        atp.ti = lt.torrent_info(torrent_path)
    atp.save_path = save
    flags = atp.flags
    flags &= ~lt.torrent_flags.auto_managed
    flags &= ~lt.torrent_flags.paused
    if args.no_pex:
        flags |= lt.torrent_flags.disable_pex
    if not args.dht:
        flags |= lt.torrent_flags.disable_dht
    flags |= lt.torrent_flags.disable_lsd
    if seed_mode:
        flags |= lt.torrent_flags.seed_mode
    atp.flags = flags
    if args.tracker:
        atp.trackers = list(atp.trackers) + list(args.tracker)
    return atp


# libtorrent's pex_flags: encryption (0x01) and lt_v2 (0x80, the peer speaks BEP 52, so a
# hybrid torrent is dialled by its truncated v2 info-hash instead of its v1 one).
PEX_ENCRYPTION = 0x01
PEX_LT_V2 = 0x80


def connect_peers(handle, peers, v2_peers=()):
    for p in peers:
        handle.connect_peer(split_hostport(p))
    for p in v2_peers:
        handle.connect_peer(split_hostport(p), 0, PEX_ENCRYPTION | PEX_LT_V2)


def alert_json(a):
    """A compact JSON view of the alerts tests care about (peer/tracker/DHT), else None."""
    d = {"event": "alert", "type": type(a).__name__, "message": a.message()}
    ep = getattr(a, "endpoint", None) or getattr(a, "ip", None)
    if ep is not None:
        try:
            d["endpoint"] = "%s:%d" % (ep[0], ep[1])
        except Exception:  # noqa: BLE001 - endpoint shapes vary by alert
            d["endpoint"] = str(ep)
    return d


INTERESTING_ALERTS = (
    "peer_connect_alert", "peer_disconnected_alert", "peer_ban_alert", "peer_error_alert",
    "incoming_connection_alert", "hash_failed_alert", "tracker_reply_alert", "tracker_error_alert",
    "tracker_announce_alert", "dht_announce_alert", "dht_get_peers_alert", "dht_reply_alert",
    "dht_bootstrap_alert", "torrent_finished_alert", "metadata_received_alert",
    "torrent_error_alert", "file_error_alert", "peer_blocked_alert", "listen_succeeded_alert",
)


def stdin_watch(stop_event):
    """Set stop_event when stdin closes: the parent died or asked us to stop."""
    def run():
        try:
            while True:
                chunk = sys.stdin.buffer.read1(4096) if hasattr(sys.stdin.buffer, "read1") else sys.stdin.buffer.read(1)
                if not chunk:
                    break
        except Exception:  # noqa: BLE001
            pass
        stop_event.set()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def self_usage():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpuSeconds": round(r.ru_utime + r.ru_stime, 3), "peakRssBytes": r.ru_maxrss * 1024}
