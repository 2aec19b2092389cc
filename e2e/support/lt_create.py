#!/usr/bin/python3
"""Create a .torrent with libtorrent (so test fixtures never depend on Tessera's own code).

  /usr/bin/python3 lt_create.py --path FILE_OR_DIR --out X.torrent --piece-length 16384 \
      [--tracker URL ...] [--private] [--comment TEXT] [--pad] [--hybrid | --v2] [--creation-date N]
      [--web-seed URL ...] [--http-seed URL ...]
  /usr/bin/python3 lt_create.py --path FILE --out X.torrent --piece-length 1000 --any-piece-length

v1-only by default with files in the order libtorrent walks them and no pad files, so files
cross piece boundaries. --pad inserts BEP 47 pad files (canonical_files), --hybrid makes a
v1+v2 hybrid, --v2 a v2-only torrent (BEP 52). Prints one JSON line: infoHash (the 20-byte
hash on the wire: v1 SHA-1, or the first 20 bytes of the SHA-256 for v2-only), infoHashV2
(64 hex, or null), name, pieceLength, pieces, totalSize, lastPieceLength, files [{path, size, pad}].

--any-piece-length builds a v1 single-file info dict by hand (hashlib), for the piece lengths
libtorrent loads but its create_torrent refuses (anything not a multiple of 16 KiB, or 2^30-1);
libtorrent then loads it, so the fixture is still one libtorrent accepts.
"""

import argparse
import hashlib
import os
import sys

import lt_common as c
from lt_common import lt


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--path", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--piece-length", type=int, required=True)
    p.add_argument("--tracker", action="append", default=[], help="tracker URL; each one its own tier")
    p.add_argument("--private", action="store_true")
    p.add_argument("--comment", default=None)
    p.add_argument("--pad", action="store_true", help="BEP 47 pad files between files")
    p.add_argument("--hybrid", action="store_true", help="v1+v2 hybrid instead of v1 only")
    p.add_argument("--v2", action="store_true", help="v2-only (BEP 52) instead of v1 only")
    p.add_argument("--web-seed", action="append", default=[], help="BEP 19 url-list entry")
    p.add_argument("--http-seed", action="append", default=[], help="BEP 17 httpseeds entry")
    p.add_argument("--creation-date", type=int, default=0, help="0 = omit (deterministic output)")
    p.add_argument("--any-piece-length", action="store_true", help="single file, v1, hashed here: any piece length libtorrent loads")
    args = p.parse_args()

    path = os.path.abspath(args.path)
    if not os.path.exists(path):
        sys.stderr.write("lt_create: %s does not exist\n" % path)
        sys.exit(2)
    if args.any_piece_length:
        with open(args.out, "wb") as f:
            f.write(lt.bencode(hand_made_v1(path, args.piece_length, args.tracker)))
        describe(args.out)
        return
    fs = lt.file_storage()
    lt.add_files(fs, path)
    if fs.num_files() == 0:
        sys.stderr.write("lt_create: no files under %s\n" % path)
        sys.exit(2)

    flags = 0
    if args.v2:
        flags |= lt.create_torrent.v2_only
    elif not args.hybrid:
        flags |= lt.create_torrent.v1_only
    if args.pad:
        flags |= lt.create_torrent.canonical_files
    ct = lt.create_torrent(fs, args.piece_length, flags)
    for tier, url in enumerate(args.tracker):
        ct.add_tracker(url, tier)
    if args.private:
        ct.set_priv(True)
    for url in args.web_seed:
        ct.add_url_seed(url)
    for url in args.http_seed:
        ct.add_http_seed(url)
    if args.comment is not None:
        ct.set_comment(args.comment)
    ct.set_creator("tessera-tests lt_create.py (libtorrent %s)" % lt.__version__)
    lt.set_piece_hashes(ct, os.path.dirname(path))
    entry = ct.generate()
    if args.creation_date:
        entry[b"creation date"] = args.creation_date
    elif b"creation date" in entry:
        del entry[b"creation date"]
    data = lt.bencode(entry)
    with open(args.out, "wb") as f:
        f.write(data)
    describe(args.out)


def hand_made_v1(path, piece_length, trackers):
    """A v1 single-file torrent with SHA-1 piece hashes computed here, read a piece at a time."""
    hashes = []
    with open(path, "rb") as f:
        while True:
            h = hashlib.sha1()
            left = piece_length
            while left > 0:
                chunk = f.read(min(left, 1 << 20))
                if not chunk:
                    break
                h.update(chunk)
                left -= len(chunk)
            if left == piece_length:
                break
            hashes.append(h.digest())
            if left > 0:
                break
    info = {b"name": os.path.basename(path).encode(), b"length": os.path.getsize(path),
            b"piece length": piece_length, b"pieces": b"".join(hashes)}
    out = {b"info": info}
    if trackers:
        out[b"announce"] = trackers[0].encode()
    return out


def describe(torrent_path):
    ti = lt.torrent_info(torrent_path)
    files = ti.files()
    hashes = ti.info_hashes()
    v2 = str(hashes.v2) if hashes.has_v2() else None
    out = {
        "infoHash": str(hashes.v1) if hashes.has_v1() else v2[:40],
        "infoHashV2": v2,
        "name": ti.name(),
        "pieceLength": ti.piece_length(),
        "pieces": ti.num_pieces(),
        "totalSize": ti.total_size(),
        "lastPieceLength": ti.piece_size(ti.num_pieces() - 1),
        "files": [{"path": files.file_path(i).replace(os.sep, "/"), "size": files.file_size(i),
                   "pad": bool(files.file_flags(i) & lt.file_storage.flag_pad_file)}
                  for i in range(files.num_files())],
    }
    c.emit(out)


if __name__ == "__main__":
    main()
