/**
 * RC4, for BitTorrent's Message Stream Encryption. OpenSSL 3 (Node 20) no longer offers
 * RC4 outside its legacy provider, so it is written here; MSE needs only the keystream.
 */
export class Rc4 {
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  /** @param discard keystream bytes to drop first (MSE drops 1024, per its spec). */
  constructor(key: Uint8Array, discard = 0) {
    const s = this.s;
    for (let k = 0; k < 256; k++) s[k] = k;
    let j = 0;
    for (let k = 0; k < 256; k++) {
      j = (j + s[k]! + key[k % key.length]!) & 0xff;
      const t = s[k]!;
      s[k] = s[j]!;
      s[j] = t;
    }
    if (discard > 0) this.apply(new Uint8Array(discard));
  }

  /** XORs the next keystream bytes into `data`, in place; returns it. */
  apply<T extends Uint8Array>(data: T): T {
    const s = this.s;
    let i = this.i;
    let j = this.j;
    for (let k = 0; k < data.length; k++) {
      i = (i + 1) & 0xff;
      const si = s[i]!;
      j = (j + si) & 0xff;
      const sj = s[j]!;
      s[i] = sj;
      s[j] = si;
      data[k] = data[k]! ^ s[(si + sj) & 0xff]!;
    }
    this.i = i;
    this.j = j;
    return data;
  }
}
