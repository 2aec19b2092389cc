/**
 * Deterministic test data and byte-for-byte comparison.
 * Data is AES-128-CTR keystream keyed by (seed, path): reproducible, incompressible and fast
 * (a 1 GiB file takes about a second to write).
 */
import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

const CHUNK = 4 * 1024 * 1024;

function keystream(seed: string): (n: number) => Buffer {
  const key = createHash('sha256').update(`tessera-e2e:${seed}`).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  const zeros = Buffer.alloc(CHUNK);
  return (n: number) => cipher.update(n === CHUNK ? zeros : zeros.subarray(0, n));
}

/** Write `size` deterministic pseudo-random bytes to `path` (parents created). */
export async function writeRandomFile(path: string, size: number, seed: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const next = keystream(seed);
  const fh = await open(path, 'w');
  try {
    let left = size;
    while (left > 0) {
      const n = Math.min(CHUNK, left);
      await fh.write(next(n));
      left -= n;
    }
  } finally {
    await fh.close();
  }
}

export interface FileSpec {
  /** '/'-separated path relative to the tree root. */
  path: string;
  size: number;
}

/** Create a tree of files under `root` (each file seeded by `seed` and its path). */
export async function writeTree(root: string, files: FileSpec[], seed: string): Promise<void> {
  await mkdir(root, { recursive: true });
  for (const f of files) await writeRandomFile(join(root, ...f.path.split('/')), f.size, `${seed}/${f.path}`);
}

/** SHA-1 of a file's contents, hex. */
export function sha1File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha1');
    createReadStream(path, { highWaterMark: CHUNK })
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** Offset of the first differing byte, or -1 when equal (lengths compared too). */
export async function firstDifference(a: string, b: string): Promise<number> {
  const [fa, fb] = await Promise.all([open(a, 'r'), open(b, 'r')]);
  try {
    const ba = Buffer.alloc(CHUNK);
    const bb = Buffer.alloc(CHUNK);
    let pos = 0;
    for (;;) {
      const [ra, rb] = await Promise.all([fa.read(ba, 0, CHUNK, pos), fb.read(bb, 0, CHUNK, pos)]);
      const n = Math.min(ra.bytesRead, rb.bytesRead);
      if (ba.subarray(0, n).equals(bb.subarray(0, n))) {
        if (ra.bytesRead !== rb.bytesRead) return pos + n;
        if (n === 0) return -1;
        pos += n;
        continue;
      }
      for (let i = 0; i < n; i++) if (ba[i] !== bb[i]) return pos + i;
      if (ra.bytesRead !== rb.bytesRead) return pos + n;
      if (n === 0) return -1;
      pos += n;
    }
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
}

/** Throws unless `actual` exists and is byte-identical to `expected` (says where they differ). */
export async function assertSameFile(expected: string, actual: string): Promise<void> {
  const [se, sa] = await Promise.all([stat(expected), stat(actual).catch(() => null)]);
  if (!sa) throw new Error(`missing file: ${actual} (expected a copy of ${expected}, ${se.size} bytes)`);
  if (!sa.isFile()) throw new Error(`${actual} is not a regular file`);
  if (se.size !== sa.size) throw new Error(`size differs: ${actual} has ${sa.size} bytes, expected ${se.size}`);
  const [he, ha] = await Promise.all([sha1File(expected), sha1File(actual)]);
  if (he !== ha) {
    const at = await firstDifference(expected, actual);
    throw new Error(`content differs: ${actual} (sha1 ${ha}) vs ${expected} (sha1 ${he}); first differing byte at offset ${at}`);
  }
}

/** Every regular file under `root`, as sorted '/'-separated relative paths. */
export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(relative(root, p).split(sep).join('/'));
    }
  };
  await walk(root);
  return out.sort();
}

/**
 * Throws unless `actualRoot` holds exactly the files of `expectedRoot` (same relative paths,
 * empty files included, nothing extra such as pad files or temp files), each byte-identical.
 */
export async function assertSameTree(expectedRoot: string, actualRoot: string): Promise<void> {
  const [exp, act] = await Promise.all([listFiles(expectedRoot), listFiles(actualRoot).catch(() => [] as string[])]);
  const missing = exp.filter((p) => !act.includes(p));
  const extra = act.filter((p) => !exp.includes(p));
  if (missing.length || extra.length) {
    throw new Error(`file sets differ under ${actualRoot}: missing [${missing.join(', ')}], unexpected [${extra.join(', ')}]`);
  }
  for (const p of exp) await assertSameFile(join(expectedRoot, ...p.split('/')), join(actualRoot, ...p.split('/')));
}
