/**
 * Bounds the HTTP requests one connection has waiting for their response. HTTP/1.1 lets a
 * client send requests back to back without reading the answers (pipelining); Node parses a
 * whole socket read at once, and a static file is stat'ed and opened asynchronously, so none of
 * Node's own pipelining backpressure (which waits for response bytes to pile up) had kicked in
 * before thousands of responses were under way. Unauthenticated, one connection pipelining GETs
 * of the app's script took the host from 98 MiB to 1.2 GiB RSS in 10 s, three of them ran it
 * out of file descriptors. Browsers do not pipeline: a connection that sends more than `max`
 * requests ahead of their responses is closed.
 */
export class PipelinedRequests<C extends object> {
  private readonly waiting = new WeakMap<C, number>();

  constructor(private readonly max: number) {}

  /** A request arrived on `connection`: false when it is one too many (close the connection). */
  arrive(connection: C): boolean {
    const count = (this.waiting.get(connection) ?? 0) + 1;
    this.waiting.set(connection, count);
    return count <= this.max;
  }

  /** Its response ended (sent, or the connection closed). */
  done(connection: C): void {
    const count = (this.waiting.get(connection) ?? 0) - 1;
    if (count > 0) this.waiting.set(connection, count);
    else this.waiting.delete(connection);
  }
}
