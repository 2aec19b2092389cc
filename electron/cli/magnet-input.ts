/**
 * Whether a command-line argument is a magnet link rather than a file name. One test for
 * every command: the scheme is case-insensitive (RFC 3986) and parseMagnet ignores the
 * blanks a paste brings, so `MAGNET:?xt=…` or ` magnet:?…` must not be read as a file.
 */
export function isMagnetUri(arg: string): boolean {
  return /^magnet:/i.test(arg.trim());
}
