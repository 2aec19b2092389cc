import dgram from 'node:dgram';
import http from 'node:http';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';

/**
 * A home router for port-mapping tests, following the specifications: PCP (RFC 6887) MAP
 * and NAT-PMP (RFC 6886) on one UDP port (5351 on a real gateway), UPnP IGD (SSDP search
 * reply, device description, WANIPConnection:1 SOAP with UPnPError replies). Each protocol
 * can be switched off or told to refuse, and every request is logged as an event so a test
 * can wait for "renewed" or "deleted" instead of sleeping.
 */

export type SimProtocol = 'pcp' | 'natpmp' | 'upnp';
export type SimTransport = 'tcp' | 'udp';

export interface SimRequest {
  protocol: SimProtocol;
  action: 'map' | 'renew' | 'delete' | 'external-address' | 'search' | 'description' | 'refused';
  transport?: SimTransport;
  internalPort?: number;
  externalPort?: number;
  lifetime?: number;
  /** For 'renew': the mapping had not expired yet when the renewal came. */
  beforeExpiry?: boolean;
  code?: number;
}

export interface SimulatedGatewayOptions {
  /** Address every socket binds to (127.0.0.1 in unit tests, 0.0.0.0 in a gateway namespace). */
  bind: string;
  /** Address put in SSDP LOCATION (the address clients reach us on). */
  advertise: string;
  natPmpPort?: number;
  ssdpPort?: number;
  /** Join the SSDP multicast group (in a gateway namespace). */
  joinSsdpGroup?: boolean;
  externalAddress?: string;
  speaks?: Partial<Record<SimProtocol, boolean>>;
  /** Longest lifetime granted (seconds), whatever is asked. */
  maxLifetime?: number;
  /** PCP result code / NAT-PMP result code / UPnP error code every mapping request gets. */
  refuse?: Partial<Record<SimProtocol, number>>;
  /** UPnP: AddPortMapping with one of these external ports answers 718 ConflictInMappingEntry. */
  upnpConflictPorts?: number[];
  /** UPnP: only permanent leases (725 OnlyPermanentLeasesSupported for a lease other than 0). */
  upnpOnlyPermanent?: boolean;
}

interface SimMapping {
  protocol: SimProtocol;
  transport: SimTransport;
  internalPort: number;
  externalPort: number;
  expiresAt: number; // Infinity = permanent
}

const UPNP_ERRORS: Record<number, string> = {
  402: 'Invalid Args',
  501: 'Action Failed',
  606: 'Action not authorized',
  714: 'NoSuchEntryInArray',
  718: 'ConflictInMappingEntry',
  725: 'OnlyPermanentLeasesSupported',
};

export class SimulatedGateway extends EventEmitter {
  readonly mappings = new Map<string, SimMapping>();
  readonly requests: SimRequest[] = [];
  private udp: dgram.Socket | null = null;
  private ssdp: dgram.Socket | null = null;
  private httpServer: http.Server | null = null;
  private readonly started = Date.now();
  natPmpPort = 0;
  ssdpPort = 0;
  httpPort = 0;

  constructor(private readonly o: SimulatedGatewayOptions) {
    super();
  }

  private speaks(p: SimProtocol): boolean {
    return this.o.speaks?.[p] ?? true;
  }

  get externalAddress(): string {
    return this.o.externalAddress ?? '203.0.113.7';
  }

  async start(): Promise<void> {
    this.udp = dgram.createSocket('udp4');
    this.udp.on('message', (msg, rinfo) => this.onPmp(msg, rinfo));
    await new Promise<void>((resolve) => this.udp!.bind(this.o.natPmpPort ?? 0, this.o.bind, resolve));
    this.natPmpPort = this.udp.address().port;
    this.httpServer = http.createServer((req, res) => this.onHttp(req, res));
    await new Promise<void>((resolve) => this.httpServer!.listen(0, this.o.bind, resolve));
    this.httpPort = (this.httpServer.address() as AddressInfo).port;
    this.ssdp = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    this.ssdp.on('message', (msg, rinfo) => this.onSsdp(msg, rinfo));
    await new Promise<void>((resolve) => this.ssdp!.bind(this.o.ssdpPort ?? 0, this.o.joinSsdpGroup ? undefined : this.o.bind, resolve));
    if (this.o.joinSsdpGroup) this.ssdp.addMembership('239.255.255.250');
    this.ssdpPort = this.ssdp.address().port;
  }

  async close(): Promise<void> {
    this.udp?.close();
    this.ssdp?.close();
    this.httpServer?.closeAllConnections();
    await new Promise<void>((resolve) => (this.httpServer ? this.httpServer.close(() => resolve()) : resolve()));
  }

  /** Resolves with the first logged request (past or future) that matches. */
  waitFor(match: (r: SimRequest) => boolean): Promise<SimRequest> {
    const seen = this.requests.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const on = (r: SimRequest): void => {
        if (!match(r)) return;
        this.off('request', on);
        resolve(r);
      };
      this.on('request', on);
    });
  }

  private log(r: SimRequest): void {
    this.requests.push(r);
    this.emit('request', r);
  }

  private epoch(): number {
    return Math.floor((Date.now() - this.started) / 1000);
  }

  /** Creates, renews or deletes; returns the log entry's action and the granted external port. */
  private upsert(protocol: SimProtocol, transport: SimTransport, internalPort: number, externalPort: number, lifetime: number): SimRequest {
    const key = `${transport}:${externalPort}`;
    const existing = this.mappings.get(key);
    if (lifetime === 0) {
      this.mappings.delete(key);
      return { protocol, action: 'delete', transport, internalPort, externalPort, lifetime };
    }
    // Infinity: a permanent UPnP lease (NewLeaseDuration 0), logged as lifetime 0.
    const granted = lifetime === Infinity ? Infinity : Math.min(lifetime, this.o.maxLifetime ?? lifetime);
    this.mappings.set(key, { protocol, transport, internalPort, externalPort, expiresAt: Date.now() + granted * 1000 });
    if (existing && existing.protocol === protocol) {
      return { protocol, action: 'renew', transport, internalPort, externalPort, lifetime: finite(granted), beforeExpiry: existing.expiresAt > Date.now() };
    }
    return { protocol, action: 'map', transport, internalPort, externalPort, lifetime: finite(granted) };
  }

  private onPmp(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const reply = (b: Buffer): void => void this.udp?.send(b, rinfo.port, rinfo.address);
    if (msg[0] === 2) {
      if (!this.speaks('pcp')) {
        // RFC 6887 §9 / RFC 6886 §3.5: a NAT-PMP server answers an unknown version with its own
        // version 0 header and result 1 (unsupported version).
        if (this.speaks('natpmp')) reply(natPmpHeader(msg[1]! & 0x7f, 1, this.epoch()));
        return;
      }
      this.onPcp(msg, reply);
      return;
    }
    if (msg[0] !== 0 || !this.speaks('natpmp') || msg.length < 2) return;
    const op = msg[1]!;
    if (op === 0) {
      this.log({ protocol: 'natpmp', action: 'external-address' });
      const b = Buffer.concat([natPmpHeader(0, 0, this.epoch()), Buffer.from(this.externalAddress.split('.').map(Number))]);
      reply(b);
      return;
    }
    if ((op !== 1 && op !== 2) || msg.length < 12) {
      reply(natPmpHeader(op, 5, this.epoch()));
      return;
    }
    const transport: SimTransport = op === 1 ? 'udp' : 'tcp';
    const internalPort = msg.readUInt16BE(4);
    const suggested = msg.readUInt16BE(6);
    const lifetime = msg.readUInt32BE(8);
    const out = Buffer.alloc(16);
    natPmpHeader(op, 0, this.epoch()).copy(out);
    out.writeUInt16BE(internalPort, 8);
    const refusal = this.o.refuse?.natpmp;
    if (refusal !== undefined && lifetime !== 0) {
      out.writeUInt16BE(refusal, 2);
      this.log({ protocol: 'natpmp', action: 'refused', transport, code: refusal });
      reply(out);
      return;
    }
    // A deletion names the internal port; find the mapping it made.
    const externalPort = lifetime === 0 ? ([...this.mappings.values()].find((m) => m.transport === transport && m.internalPort === internalPort)?.externalPort ?? suggested) : suggested || internalPort;
    const entry = this.upsert('natpmp', transport, internalPort, externalPort, lifetime);
    out.writeUInt16BE(lifetime === 0 ? 0 : externalPort, 10);
    out.writeUInt32BE(entry.lifetime ?? 0, 12);
    this.log(entry);
    reply(out);
  }

  private onPcp(msg: Buffer, reply: (b: Buffer) => void): void {
    const out = Buffer.alloc(60);
    out[0] = 2;
    out[1] = 0x80 | (msg[1]! & 0x7f);
    out.writeUInt32BE(this.epoch(), 8);
    if (msg.length < 60 || msg.length % 4 !== 0) {
      out[3] = 3; // MALFORMED_REQUEST
      reply(out.subarray(0, 24));
      return;
    }
    if ((msg[1]! & 0x7f) !== 1) {
      out[3] = 4; // UNSUPP_OPCODE
      reply(out.subarray(0, 24));
      return;
    }
    msg.copy(out, 24, 24, 60); // the MAP body echoes nonce, protocol, internal port
    const lifetime = msg.readUInt32BE(4);
    const transport: SimTransport = msg[36] === 6 ? 'tcp' : 'udp';
    const internalPort = msg.readUInt16BE(40);
    const suggested = msg.readUInt16BE(42);
    const refusal = this.o.refuse?.pcp;
    if (refusal !== undefined && lifetime !== 0) {
      out[3] = refusal;
      out.writeUInt32BE(30, 4);
      this.log({ protocol: 'pcp', action: 'refused', transport, code: refusal });
      reply(out);
      return;
    }
    const externalPort = lifetime === 0 ? ([...this.mappings.values()].find((m) => m.transport === transport && m.internalPort === internalPort)?.externalPort ?? 0) : suggested || internalPort;
    const entry = this.upsert('pcp', transport, internalPort, externalPort, lifetime);
    out.writeUInt32BE(entry.lifetime ?? 0, 4);
    out.writeUInt16BE(externalPort, 42);
    out.fill(0, 44, 60);
    out[54] = 0xff;
    out[55] = 0xff;
    Buffer.from(this.externalAddress.split('.').map(Number)).copy(out, 56);
    this.log(entry);
    reply(out);
  }

  private onSsdp(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (!this.speaks('upnp') || !msg.toString('latin1').startsWith('M-SEARCH')) return;
    this.log({ protocol: 'upnp', action: 'search' });
    const text = [
      'HTTP/1.1 200 OK',
      'CACHE-CONTROL: max-age=120',
      'ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1',
      'USN: uuid:simulated::urn:schemas-upnp-org:device:InternetGatewayDevice:1',
      `LOCATION: http://${this.o.advertise}:${this.httpPort}/rootDesc.xml`,
      '',
      '',
    ].join('\r\n');
    this.ssdp?.send(Buffer.from(text), rinfo.port, rinfo.address);
  }

  private onHttp(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method === 'GET' && req.url === '/rootDesc.xml') {
      this.log({ protocol: 'upnp', action: 'description' });
      res.writeHead(200, { 'Content-Type': 'text/xml' }).end(DESCRIPTION);
      return;
    }
    if (req.method !== 'POST' || req.url !== '/ctl/IPConn') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const action = /#(\w+)"?$/.exec(String(req.headers.soapaction ?? ''))?.[1] ?? '';
      const arg = (name: string): string => new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1] ?? '';
      const fault = (code: number): void => {
        res.writeHead(500, { 'Content-Type': 'text/xml' }).end(soapFault(code));
      };
      if (action === 'GetExternalIPAddress') {
        this.log({ protocol: 'upnp', action: 'external-address' });
        res.writeHead(200, { 'Content-Type': 'text/xml' }).end(soapOk(action, `<NewExternalIPAddress>${this.externalAddress}</NewExternalIPAddress>`));
        return;
      }
      const transport = arg('NewProtocol').toLowerCase() as SimTransport;
      const externalPort = Number(arg('NewExternalPort'));
      if (action === 'AddPortMapping') {
        const lease = Number(arg('NewLeaseDuration'));
        const internalPort = Number(arg('NewInternalPort'));
        const refusal = this.o.refuse?.upnp;
        let code: number | null = null;
        if (refusal !== undefined) code = refusal;
        else if (this.o.upnpConflictPorts?.includes(externalPort)) code = 718;
        else if (this.o.upnpOnlyPermanent && lease !== 0) code = 725;
        if (code !== null) {
          this.log({ protocol: 'upnp', action: 'refused', transport, externalPort, code });
          fault(code);
          return;
        }
        this.log(this.upsert('upnp', transport, internalPort, externalPort, lease === 0 ? Infinity : lease));
        res.writeHead(200, { 'Content-Type': 'text/xml' }).end(soapOk(action, ''));
        return;
      }
      if (action === 'DeletePortMapping') {
        if (!this.mappings.has(`${transport}:${externalPort}`)) {
          fault(714);
          return;
        }
        this.mappings.delete(`${transport}:${externalPort}`);
        this.log({ protocol: 'upnp', action: 'delete', transport, externalPort });
        res.writeHead(200, { 'Content-Type': 'text/xml' }).end(soapOk(action, ''));
        return;
      }
      fault(401);
    });
  }
}

function finite(seconds: number): number {
  return seconds === Infinity ? 0 : seconds;
}

function natPmpHeader(op: number, result: number, epoch: number): Buffer {
  const b = Buffer.alloc(8);
  b[1] = 128 + op;
  b.writeUInt16BE(result, 2);
  b.writeUInt32BE(epoch, 4);
  return b;
}

const SERVICE = 'urn:schemas-upnp-org:service:WANIPConnection:1';

const DESCRIPTION = `<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major><minor>0</minor></specVersion>
<device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType><friendlyName>Simulated router</friendlyName>
<serviceList><service><serviceType>urn:schemas-upnp-org:service:Layer3Forwarding:1</serviceType><controlURL>/ctl/L3F</controlURL></service></serviceList>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType>
<serviceList><service><serviceType>${SERVICE}</serviceType><serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId>
<controlURL>/ctl/IPConn</controlURL><eventSubURL>/evt/IPConn</eventSubURL><SCPDURL>/WANIPCn.xml</SCPDURL></service></serviceList>
</device></deviceList></device></deviceList></device></root>`;

function soapOk(action: string, inner: string): string {
  return `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:${action}Response xmlns:u="${SERVICE}">${inner}</u:${action}Response></s:Body></s:Envelope>`;
}

function soapFault(code: number): string {
  return `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail><UPnPError xmlns="urn:schemas-upnp-org:control-1-0"><errorCode>${code}</errorCode><errorDescription>${UPNP_ERRORS[code] ?? 'Error'}</errorDescription></UPnPError></detail></s:Fault></s:Body></s:Envelope>`;
}
