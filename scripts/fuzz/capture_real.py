#!/usr/bin/python3
"""
Captures real protocol messages for the fuzz seed corpora (scripts/fuzz/corpus/), on
127.0.0.1 only: libtorrent 2.0 (python3-libtorrent) as a peer (extension handshake,
ut_metadata, ut_pex, the frames it opens with) and as a DHT node (KRPC replies and errors),
opentracker as an HTTP and UDP tracker. Run once by hand:

    /usr/bin/python3 scripts/fuzz/capture_real.py scripts/fuzz/corpus

Files are written as captured-<what>; nothing here runs in the tests.
"""
import hashlib, os, socket, struct, subprocess, sys, tempfile, time
import libtorrent as lt

OUT = sys.argv[1]


def save(folder, name, data):
    os.makedirs(os.path.join(OUT, folder), exist_ok=True)
    with open(os.path.join(OUT, folder, 'captured-' + name), 'wb') as f:
        f.write(data)
    print(f'{folder}/captured-{name}: {len(data)} bytes')


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p


def bdecode_prefix(b):
    return lt.bdecode(b)


def bencode(v):
    return lt.bencode(v)


def recv_exact(s, n):
    out = b''
    while len(out) < n:
        c = s.recv(n - len(out))
        if not c:
            raise EOFError('closed')
        out += c
    return out


def read_frame(s):
    (n,) = struct.unpack('>I', recv_exact(s, 4))
    return recv_exact(s, n) if n else b''


tmp = tempfile.mkdtemp(prefix='tessera-capture-')
# A small torrent with two files, so ut_metadata has something to send.
os.makedirs(os.path.join(tmp, 'data', 'pack'))
for i, size in enumerate([40000, 70000]):
    with open(os.path.join(tmp, 'data', 'pack', f'f{i}.bin'), 'wb') as f:
        f.write(bytes((j * 7 + i) & 0xff for j in range(size)))
fs = lt.file_storage()
lt.add_files(fs, os.path.join(tmp, 'data', 'pack'))
ct = lt.create_torrent(fs, 16384, flags=lt.create_torrent.v1_only)
lt.set_piece_hashes(ct, os.path.join(tmp, 'data'))
torrent_bytes = lt.bencode(ct.generate())
ti = lt.torrent_info(lt.bdecode(torrent_bytes))
info_hash = bytes.fromhex(str(ti.info_hashes().v1))

port = free_port()
ses = lt.session({
    'listen_interfaces': f'127.0.0.1:{port}', 'enable_dht': True, 'dht_bootstrap_nodes': '',
    'enable_lsd': False, 'enable_upnp': False, 'enable_natpmp': False,
    'dht_restrict_routing_ips': False, 'dht_restrict_search_ips': False, 'dht_block_ratelimit': 100000,
    'close_redundant_connections': False, 'allow_multiple_connections_per_ip': True, 'in_enc_policy': 1, 'out_enc_policy': 1,
})
atp = lt.add_torrent_params()
atp.ti = ti
atp.save_path = os.path.join(tmp, 'data')
h = ses.add_torrent(atp)
for _ in range(100):
    if h.status().is_seeding:
        break
    time.sleep(0.1)


def peer(peer_id, listen=None, source='127.0.0.1'):
    s = socket.create_connection(('127.0.0.1', port), timeout=10, source_address=(source, 0))
    reserved = bytearray(8)
    reserved[5] |= 0x10
    reserved[7] |= 0x05
    s.sendall(b'\x13BitTorrent protocol' + bytes(reserved) + info_hash + peer_id)
    hs = recv_exact(s, 68)
    ext = {b'm': {b'ut_metadata': 3, b'ut_pex': 1}, b'v': b'TesseraCapture'}
    if listen:
        ext[b'p'] = listen
    payload = bencode(ext)
    s.sendall(struct.pack('>IBB', len(payload) + 2, 20, 0) + payload)
    return s, hs


a, hs = peer(b'-TC0001-aaaaaaaaaaaa')
save('handshake', 'libtorrent', hs)
opening = b''
ext_ids = {}
deadline = time.time() + 5
a.settimeout(1)
while time.time() < deadline:
    try:
        f = read_frame(a)
    except socket.timeout:
        break
    opening += struct.pack('>I', len(f)) + f
    if f[:2] == b'\x14\x00':
        save('ext-handshake', 'libtorrent', f[2:])
        d = lt.bdecode(f[2:])
        ext_ids = {k: v for k, v in d[b'm'].items()}
        break
a.settimeout(10)
# ut_metadata: request every piece, and one piece past the end (libtorrent rejects it).
meta_id = ext_ids[b'ut_metadata']
pieces = (len(bencode(lt.bdecode(torrent_bytes)[b'info'])) + 16383) // 16384
for p in list(range(pieces)) + [pieces + 5]:
    req = bencode({b'msg_type': 0, b'piece': p})
    a.sendall(struct.pack('>IBB', len(req) + 2, 20, meta_id) + req)
got = 0
deadline = time.time() + 10
while got < pieces + 1 and time.time() < deadline:
    f = read_frame(a)
    opening += struct.pack('>I', len(f)) + f
    if f[:2] == bytes([20, 3]):
        save('ut-metadata', f'libtorrent-{got}', f[2:])
        got += 1
save('wire', 'libtorrent-opening', opening)

# ut_pex: a second peer that gives its listening port, then wait for libtorrent's PEX to A.
b, _ = peer(b'-TC0001-bbbbbbbbbbbb', listen=free_port(), source='127.0.0.2')
c, _ = peer(b'-TC0001-cccccccccccc', listen=free_port(), source='127.0.0.3')
deadline = time.time() + 75
a.settimeout(5)
while time.time() < deadline:
    try:
        f = read_frame(a)
    except socket.timeout:
        continue
    if f[:2] == bytes([20, 1]):
        save('pex', 'libtorrent', f[2:])
        break

# KRPC: libtorrent's DHT on the same port.
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(5)
my_id = hashlib.sha1(b'tessera-capture').digest()
queries = {
    'ping': {b't': b'aa', b'y': b'q', b'q': b'ping', b'a': {b'id': my_id}},
    'find-node': {b't': b'bb', b'y': b'q', b'q': b'find_node', b'a': {b'id': my_id, b'target': info_hash, b'want': [b'n4', b'n6']}},
    'get-peers': {b't': b'cc', b'y': b'q', b'q': b'get_peers', b'a': {b'id': my_id, b'info_hash': info_hash}},
    'unknown-method': {b't': b'dd', b'y': b'q', b'q': b'frobnicate', b'a': {b'id': my_id}},
    'missing-args': {b't': b'ee', b'y': b'q', b'q': b'get_peers', b'a': {b'id': my_id}},
}
for name, q in queries.items():
    data = bencode(q)
    save('krpc', f'query-{name}', data)
    for _ in range(3):
        u.sendto(data, ('127.0.0.1', port))
        try:
            reply, _ = u.recvfrom(4096)
            save('krpc', f'libtorrent-reply-{name}', reply)
            break
        except socket.timeout:
            pass
# announce_peer with the token from get_peers.
try:
    r = lt.bdecode(open(os.path.join(OUT, 'krpc', 'captured-libtorrent-reply-get-peers'), 'rb').read())
    ann = bencode({b't': b'ff', b'y': b'q', b'q': b'announce_peer', b'a': {b'id': my_id, b'info_hash': info_hash, b'port': 6881, b'token': r[b'r'][b'token'], b'implied_port': 1}})
    save('krpc', 'query-announce-peer', ann)
    u.sendto(ann, ('127.0.0.1', port))
    reply, _ = u.recvfrom(4096)
    save('krpc', 'libtorrent-reply-announce-peer', reply)
    u.sendto(bencode(queries['get-peers']), ('127.0.0.1', port))
    reply, _ = u.recvfrom(4096)
    save('krpc', 'libtorrent-reply-get-peers-values', reply)
except Exception as e:  # noqa: BLE001 - a capture helper: report and go on
    print('announce_peer capture failed:', e)
ses.pause()

# opentracker: HTTP and UDP on one port, serving our info-hash.
otdir = os.path.join(tmp, 'ot')
os.makedirs(otdir)
with open(os.path.join(otdir, 'wl.txt'), 'w') as f:
    f.write(info_hash.hex() + '\n')
tport = free_port()
ot = subprocess.Popen(['opentracker', '-i', '127.0.0.1', '-p', str(tport), '-P', str(tport), '-d', otdir, '-w', '/wl.txt'])
time.sleep(1)
try:
    def http(path):
        s = socket.create_connection(('127.0.0.1', tport), timeout=5)
        s.sendall(f'GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n'.encode())
        data = b''
        while True:
            c = s.recv(65536)
            if not c:
                break
            data += c
        return data.split(b'\r\n\r\n', 1)[1]

    from urllib.parse import quote_from_bytes
    ih = quote_from_bytes(info_hash)
    for i, pid in enumerate([b'-TC0001-111111111111', b'-TC0001-222222222222', b'-TC0001-333333333333']):
        body = http(f'/announce?info_hash={ih}&peer_id={quote_from_bytes(pid)}&port={7000 + i}&uploaded=0&downloaded=0&left={i * 100}&compact=1&event=started')
    save('http-tracker', 'opentracker-announce-compact', body)
    save('http-tracker', 'opentracker-announce-noncompact', http(f'/announce?info_hash={ih}&peer_id=-TC0001-444444444444&port=7100&uploaded=0&downloaded=0&left=5&compact=0'))
    save('http-tracker', 'opentracker-scrape', http(f'/scrape?info_hash={ih}'))
    save('http-tracker', 'opentracker-failure', http(f'/announce?info_hash={quote_from_bytes(bytes(20))}&peer_id=-TC0001-555555555555&port=7200&left=0&compact=1'))

    u.settimeout(3)
    tid = 0x1234
    u.sendto(struct.pack('>QII', 0x41727101980, 0, tid), ('127.0.0.1', tport))
    conn, _ = u.recvfrom(2048)
    save('udp-tracker', 'opentracker-connect', conn)
    (cid,) = struct.unpack('>Q', conn[8:16])
    ann = struct.pack('>QII20s20sQQQIIIiH', cid, 1, tid + 1, info_hash, b'-TC0001-666666666666', 0, 10, 0, 2, 0, 7, -1, 7300)
    u.sendto(ann, ('127.0.0.1', tport))
    save('udp-tracker', 'opentracker-announce', u.recvfrom(2048)[0])
    u.sendto(struct.pack('>QII20s', cid, 2, tid + 2, info_hash), ('127.0.0.1', tport))
    save('udp-tracker', 'opentracker-scrape', u.recvfrom(2048)[0])
    u.sendto(struct.pack('>QII20s20sQQQIIIiH', cid, 1, tid + 3, bytes(20), b'-TC0001-777777777777', 0, 10, 0, 2, 0, 7, -1, 7300), ('127.0.0.1', tport))
    try:
        save('udp-tracker', 'opentracker-announce-unlisted-hash', u.recvfrom(2048)[0])
    except socket.timeout:
        print('opentracker sent no UDP error for a non-whitelisted hash')
finally:
    ot.terminate()
    ot.wait()
