import { describe, expect, it } from 'vitest';
import { mulberry32 as prng } from '../../../e2e/support/test-utils.js';
import { encode, type Encodable } from '../bencode/index.js';
import { decodeExtensionHandshake, encodeExtensionHandshake, type ExtensionHandshake, LOCAL_EXTENSIONS, MAX_CLIENT_NAME_LENGTH, MAX_KEPT_EXTENSION_IDS } from './extension-handshake.js';

function ok(payload: Uint8Array): ExtensionHandshake {
  const out = decodeExtensionHandshake(payload);
  if (typeof out === 'string') throw new Error(`unexpected rejection: ${out}`);
  return out;
}

function reason(payload: Uint8Array): string {
  const out = decodeExtensionHandshake(payload);
  if (typeof out !== 'string') throw new Error('expected a rejection');
  return out;
}

const dict = (value: Encodable): Buffer => encode(value);

describe('extension handshake: ours', () => {
  it('round-trips through our own decoder', () => {
    const bytes = encodeExtensionHandshake({ listenPort: 6881, client: 'Tessera 0.1.0', reqq: 500, metadataSize: 31_337, uploadOnly: true });
    const hs = ok(bytes);
    expect(Object.fromEntries(hs.ids)).toEqual({ ut_metadata: LOCAL_EXTENSIONS.ut_metadata, ut_pex: LOCAL_EXTENSIONS.ut_pex });
    expect(hs).toMatchObject({ client: 'Tessera 0.1.0', reqq: 500, listenPort: 6881, metadataSize: 31_337, uploadOnly: true });
  });

  it('leaves out metadata_size and upload_only when not given', () => {
    const bytes = encodeExtensionHandshake({ listenPort: 1, client: 'x', reqq: 2 });
    const text = bytes.toString('latin1');
    expect(text).not.toContain('metadata_size');
    expect(text).not.toContain('upload_only');
    expect(ok(bytes)).toMatchObject({ metadataSize: null, uploadOnly: false });
  });

  it('is canonical bencode (sorted keys) so strict peers accept it', () => {
    const text = encodeExtensionHandshake({ listenPort: 6881, client: 'T', reqq: 250, metadataSize: 1 }).toString('latin1');
    expect(text).toBe('d1:md11:ut_metadatai2e6:ut_pexi1ee13:metadata_sizei1e1:pi6881e4:reqqi250e1:v1:Te');
  });
});

describe('extension handshake: theirs', () => {
  it('parses a libtorrent-style handshake', () => {
    const hs = ok(
      dict({
        m: { lt_donthave: 7, share_mode: 8, upload_only: 3, ut_holepunch: 4, ut_metadata: 2, ut_pex: 1 },
        metadata_size: 12_345,
        p: 51413,
        reqq: 500,
        v: 'libtorrent/2.0.8.0',
        yourip: Buffer.from([127, 0, 0, 1]),
      }),
    );
    expect(hs.ids.get('ut_metadata')).toBe(2);
    expect(hs.ids.get('ut_pex')).toBe(1);
    expect(hs.ids.get('lt_donthave')).toBe(7);
    expect(hs).toMatchObject({ client: 'libtorrent/2.0.8.0', reqq: 500, listenPort: 51413, metadataSize: 12_345, uploadOnly: false });
  });

  it('accepts an empty dictionary (everything optional)', () => {
    expect(ok(dict({}))).toEqual({ ids: new Map(), client: null, reqq: null, listenPort: null, metadataSize: null, uploadOnly: false });
  });

  it('drops extension ids that are not integers in 1..255 (0 means disabled)', () => {
    const hs = ok(dict({ m: { a: 0, b: -1, c: 256, d: 'x', e: [1], f: 255, g: 1, h: { x: 1 }, i: 2n ** 62n } }));
    expect(Object.fromEntries(hs.ids)).toEqual({ f: 255, g: 1 });
  });

  it('ignores an m that is not a dictionary', () => {
    expect(ok(dict({ m: [1, 2, 3] })).ids.size).toBe(0);
    expect(ok(dict({ m: 'ut_pex' })).ids.size).toBe(0);
    expect(ok(dict({ m: 5 })).ids.size).toBe(0);
  });

  it('treats hostile key names as plain keys', () => {
    const m = new Map<string, Encodable>([
      ['__proto__', 3],
      ['constructor', 4],
      ['toString', 5],
    ]);
    const hs = ok(dict({ m }));
    expect(hs.ids.get('__proto__')).toBe(3);
    expect(hs.ids.get('constructor')).toBe(4);
    expect(({} as Record<string, unknown>).toString).toBe(Object.prototype.toString);
  });

  it('ignores fields of the wrong type', () => {
    const hs = ok(dict({ v: 42, reqq: 'many', p: 'six', metadata_size: [1], upload_only: 'yes' }));
    expect(hs).toEqual({ ids: new Map(), client: null, reqq: null, listenPort: null, metadataSize: null, uploadOnly: false });
  });

  it('bounds reqq and rejects non-positive values', () => {
    expect(ok(dict({ reqq: 0 })).reqq).toBeNull();
    expect(ok(dict({ reqq: -5 })).reqq).toBeNull();
    expect(ok(dict({ reqq: 1 })).reqq).toBe(1);
    expect(ok(dict({ reqq: 10_000_000 })).reqq).toBe(10_000);
    expect(ok(dict({ reqq: 2n ** 63n - 1n })).reqq).toBe(10_000);
  });

  it('accepts listen ports 1..65535 only', () => {
    expect(ok(dict({ p: 0 })).listenPort).toBeNull();
    expect(ok(dict({ p: -1 })).listenPort).toBeNull();
    expect(ok(dict({ p: 65536 })).listenPort).toBeNull();
    expect(ok(dict({ p: 1 })).listenPort).toBe(1);
    expect(ok(dict({ p: 65535 })).listenPort).toBe(65535);
  });

  it('rejects non-positive metadata sizes', () => {
    expect(ok(dict({ metadata_size: 0 })).metadataSize).toBeNull();
    expect(ok(dict({ metadata_size: -100 })).metadataSize).toBeNull();
  });

  it('reads upload_only only when it is exactly 1', () => {
    expect(ok(dict({ upload_only: 1 })).uploadOnly).toBe(true);
    expect(ok(dict({ upload_only: 0 })).uploadOnly).toBe(false);
    expect(ok(dict({ upload_only: 2 })).uploadOnly).toBe(false);
  });

  it('decodes a non-UTF-8 client name without throwing', () => {
    const hs = ok(dict({ v: Buffer.from([0xff, 0xfe, 0x41]) }));
    expect(hs.client).toContain('A');
  });
});

describe('extension handshake: malformed and hostile input returns a reason, never throws', () => {
  it('rejects a payload over 64 KiB before decoding it', () => {
    const huge = dict({ v: 'x'.repeat(70_000) });
    expect(reason(huge)).toMatch(/too large/);
    // Even a pathological one (nested lists) is refused by size alone.
    expect(reason(Buffer.from('l'.repeat(100_000)))).toMatch(/too large/);
  });

  it('rejects values that are not a dictionary', () => {
    expect(reason(dict([1, 2]))).toBe('not a dictionary');
    expect(reason(dict(5))).toBe('not a dictionary');
    expect(reason(dict('d1:ae'))).toBe('not a dictionary');
  });

  it.each([
    ['empty', ''],
    ['truncated', 'd1:md6:ut_pexi1e'],
    ['trailing garbage', 'd1:pi1eeXYZ'],
    ['bad integer', 'd1:pi01ee'],
    ['negative zero', 'd1:pi-0ee'],
    ['string past the end', 'd1:v99:abce'],
    ['non-string key', 'di1ei2ee'],
    ['nested too deep', 'd1:m' + 'l'.repeat(20) + 'e'.repeat(20) + 'e'],
    ['integer overflow', 'd1:pi99999999999999999999999ee'],
  ])('rejects %s input', (_name, text) => {
    expect(reason(Buffer.from(text, 'latin1')).length).toBeGreaterThan(0);
  });

  it('rejects a handshake with too many tokens', () => {
    const list = 'l' + 'i1e'.repeat(20_000) + 'e';
    expect(reason(Buffer.from(`d1:x${list}e`))).toMatch(/token|too/i);
  });

  it('never throws on random bytes or random mutations of a valid handshake', () => {
    const random = prng(7);
    const valid = encodeExtensionHandshake({ listenPort: 6881, client: 'Tessera', reqq: 250, metadataSize: 100 });
    for (let i = 0; i < 2000; i++) {
      let bytes: Buffer;
      if (i % 2 === 0) {
        bytes = Buffer.alloc(Math.floor(random() * 80));
        for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
      } else {
        bytes = Buffer.from(valid);
        const edits = 1 + Math.floor(random() * 4);
        for (let e = 0; e < edits; e++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
        bytes = bytes.subarray(0, Math.floor(random() * (bytes.length + 1)));
      }
      const out = decodeExtensionHandshake(bytes);
      if (typeof out !== 'string' && !(out.ids instanceof Map)) throw new Error(`bad result for ${bytes.toString('hex')}`);
    }
  });

  it('keeps no more than MAX_KEPT_EXTENSION_IDS ids (ours always) and a bounded client name', () => {
    const m: Record<string, number> = {};
    for (let i = 0; i < 3000; i++) m[`a_${String(i).padStart(5, '0')}`] = 1 + (i % 200);
    m.ut_pex = 9;
    m.ut_metadata = 8;
    const hs = ok(dict({ m, v: 'y'.repeat(20_000) }));
    expect(hs.ids.size).toBeLessThanOrEqual(MAX_KEPT_EXTENSION_IDS + 2);
    expect(hs.ids.get('ut_pex')).toBe(9);
    expect(hs.ids.get('ut_metadata')).toBe(8);
    expect(hs.client).toHaveLength(MAX_CLIENT_NAME_LENGTH);
  });
});
