#!/usr/bin/python3
"""Listens on the BEP 14 LSD group (239.192.152.143:6771) on one interface address and prints
every datagram as {"event":"lsd","from":"ip:port","text":"..."} (one JSON line each). A test
runs it inside a network namespace it created. Exits when stdin closes.

  /usr/bin/python3 lt_lsd_listen.py --interface 10.77.0.2
"""

import argparse
import json
import os
import socket
import struct
import sys
import threading


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--interface", required=True)
    args = p.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", 6771))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 struct.pack("4s4s", socket.inet_aton("239.192.152.143"), socket.inet_aton(args.interface)))
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    sys.stdout.write(json.dumps({"event": "ready"}, separators=(",", ":")) + "\n")
    sys.stdout.flush()
    while True:
        data, addr = s.recvfrom(2048)
        sys.stdout.write(json.dumps({"event": "lsd", "from": "%s:%d" % addr, "text": data.decode("latin-1")}, separators=(",", ":")) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
