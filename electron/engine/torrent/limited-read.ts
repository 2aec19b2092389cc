/** The smallest read of an outgoing socket under a download limit: reads stay a few packets large. */
export const MIN_LIMITED_READ = 16 * 1024;

/**
 * Where an outgoing TCP socket reads next: all of `whole`, or under a download limit no more of
 * it than the limit lets through now (`allowed` bytes, at least MIN_LIMITED_READ). A socket the
 * limit paused finds its kernel buffer full when it resumes; read into the whole 1 MiB at once,
 * each resume took up to 1 MiB past the limit (a 4 MiB download at 256 KiB/s averaged 315 KiB/s,
 * with one-second rates swinging from 0 to 1 MiB/s). Read in bites the limit allows, the kernel
 * holds the rest, and TCP's window slows the sender, as libtorrent's read quota does.
 */
export function limitedReadBuffer(whole: Buffer, allowed: number): Buffer {
  if (allowed >= whole.length) return whole;
  return whole.subarray(0, Math.min(whole.length, Math.max(MIN_LIMITED_READ, Math.floor(allowed))));
}
