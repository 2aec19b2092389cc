/**
 * Runs a SimulatedGateway as its own process, so a test can start it inside a gateway
 * network namespace (`ip netns exec NS node --import tsx simulated-gateway-main.ts 'JSON'`).
 * Argument: SimulatedGatewayOptions as JSON. Prints {"event":"ready",...} once listening,
 * then one {"event":"request",...} line per request it answered. Exits when stdin closes.
 */
import { SimulatedGateway, type SimulatedGatewayOptions } from './simulated-gateway.js';

const options = JSON.parse(process.argv[2] ?? '{}') as SimulatedGatewayOptions;
const gw = new SimulatedGateway(options);
gw.on('request', (r) => process.stdout.write(`${JSON.stringify({ event: 'request', ...r })}\n`));
await gw.start();
process.stdout.write(`${JSON.stringify({ event: 'ready', natPmpPort: gw.natPmpPort, ssdpPort: gw.ssdpPort, httpPort: gw.httpPort })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void gw.close().then(() => process.exit(0)));
