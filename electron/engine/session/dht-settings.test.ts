import { describe, expect, it } from 'vitest';
import { dhtSettings } from './dht-settings.js';

describe('dhtSettings', () => {
  it('restricts routing-table IPs unless TESSERA_DHT_RESTRICT_ROUTING_IPS=0 (test swarms on 127.0.0.1)', () => {
    expect(dhtSettings({}, {})).toEqual({ dht: true });
    expect(dhtSettings({ bootstrap: ['127.0.0.1:1'] }, { TESSERA_DHT_RESTRICT_ROUTING_IPS: '0' })).toEqual({
      dht: true,
      dhtBootstrap: ['127.0.0.1:1'],
      dhtRestrictRoutingIps: false,
    });
    expect(dhtSettings({}, { TESSERA_DHT_BOOTSTRAP: '127.0.0.1:2', TESSERA_DHT_RESTRICT_ROUTING_IPS: '1' })).toEqual({ dht: true, dhtBootstrap: ['127.0.0.1:2'] });
    expect(dhtSettings({}, { TESSERA_DHT_BOOTSTRAP: '', TESSERA_DHT_RESTRICT_ROUTING_IPS: '0' })).toEqual({ dht: false });
    expect(dhtSettings({ noDht: true }, { TESSERA_DHT_RESTRICT_ROUTING_IPS: '0' })).toEqual({ dht: false });
  });
});
