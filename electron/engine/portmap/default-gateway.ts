import fs from 'node:fs';

/**
 * The IPv4 default gateway from Linux's routing table (/proc/net/route: little-endian hex),
 * where NAT-PMP and PCP requests go. Null elsewhere or without a default route.
 */
export function defaultGatewayV4(routeTable: string | null = readRouteTable()): string | null {
  if (!routeTable) return null;
  for (const line of routeTable.split('\n').slice(1)) {
    const [, destination, gateway, flags] = line.trim().split(/\s+/);
    if (destination !== '00000000' || !gateway || !/^[0-9A-Fa-f]{8}$/.test(gateway)) continue;
    // RTF_GATEWAY (0x2): the route goes through a router.
    if ((parseInt(flags ?? '0', 16) & 0x2) === 0) continue;
    const n = parseInt(gateway, 16);
    return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
  }
  return null;
}

function readRouteTable(): string | null {
  try {
    return fs.readFileSync('/proc/net/route', 'latin1');
  } catch {
    return null;
  }
}
