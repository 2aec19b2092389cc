/**
 * One way to turn anything thrown into text a person can read: the engine's logs and
 * warnings, the service's error replies and notices, the CLI's messages and the renderer's
 * notices all use it.
 */

/** The message of an Error, or the thrown value as a string. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The first line of `text`, at most `max` characters (an ellipsis marks a cut). */
export function firstLine(text: string, max = 500): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > max ? line.slice(0, max - 1) + '…' : line;
}

/** errorText, first line only: for replies and notices that must stay one readable line. */
export function errorLine(err: unknown, max = 500): string {
  return firstLine(errorText(err), max);
}
