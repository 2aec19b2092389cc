import dgram from 'node:dgram';
import net from 'node:net';

/**
 * One request/response exchange over UDP with retransmission (RFC 6886 §3.1: 250 ms,
 * doubling each time; we stop after `attempts`, not after the RFC's 9 tries and 64 s, so a
 * gateway without NAT-PMP/PCP costs a few seconds). Replies from other hosts/ports and
 * replies `accept` rejects (returns null) are ignored; a reply `accept` throws on ends it.
 */
export function udpExchange<T>(
  host: string,
  port: number,
  request: Buffer,
  accept: (reply: Buffer, localAddress: string) => T | null,
  options: { attempts?: number; firstTimeoutMs?: number; maxReplyBytes?: number } = {},
): Promise<T> {
  const attempts = options.attempts ?? 4;
  const maxReply = options.maxReplyBytes ?? 1100;
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    let timer: NodeJS.Timeout | null = null;
    let sent = 0;
    let done = false;
    let localAddress = '';
    const finish = (err: Error | null, value?: T): void => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(value as T);
    };
    const send = (): void => {
      if (sent >= attempts) {
        finish(new Error(`no reply from ${host}:${port} after ${attempts} tries`));
        return;
      }
      const wait = (options.firstTimeoutMs ?? 250) * 2 ** sent;
      sent++;
      socket.send(request, (err) => {
        if (err) finish(err);
      });
      timer = setTimeout(send, wait);
    };
    socket.on('error', (err) => finish(err));
    socket.on('message', (msg, rinfo) => {
      if (rinfo.address.replace(/^::ffff:/, '') !== host.replace(/^::ffff:/, '') || rinfo.port !== port) return;
      if (msg.length > maxReply) return;
      try {
        const value = accept(msg, localAddress);
        if (value !== null) finish(null, value);
      } catch (err) {
        finish(err instanceof Error ? err : new Error(String(err)));
      }
    });
    socket.connect(port, host, () => {
      localAddress = socket.address().address;
      send();
    });
  });
}
