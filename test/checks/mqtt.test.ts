import { expect } from 'chai';
import mqtt, { type MqttClient as Client } from 'mqtt';
import { mqttCheck } from '../../src/checks/index.js';
import type { CheckFunction } from '../../src/index.js';
import { runCheck } from '../helpers.js';
import { FaultProxy } from './proxy.js';
import { MOSQUITTO, requireService } from './services.js';

const run = (fn: CheckFunction, timeout = 300) => runCheck(fn, timeout);

describe('mqttCheck() on a real Mosquitto with MQTT.js, through a fault proxy', function () {
  this.timeout(20_000);
  let proxy: FaultProxy;
  let client: Client;

  before(async function () {
    await requireService(this, MOSQUITTO);
    proxy = await FaultProxy.start(MOSQUITTO.port);
    client = await mqtt.connectAsync(`mqtt://127.0.0.1:${proxy.port}`, { reconnectPeriod: 50, connectTimeout: 1000 });
    client.on('error', () => undefined);
  });
  after(async () => {
    await client?.endAsync(true);
    await proxy?.close();
  });

  const connected = async (): Promise<void> => {
    for (let tries = 0; tries < 100 && !client.connected; tries++)
      await new Promise((resolve) => setTimeout(resolve, 50));
  };

  it('passes while connected, and with roundTrip when its own message comes back', async () => {
    expect(await run(mqttCheck(client))).to.include({ status: 'OK', message: 'mqtt connected' });
    const trip = await run(mqttCheck(client, { roundTrip: true }));
    expect(trip.status, trip.message).to.equal('OK');
    expect(trip.message).to.match(/^mqtt round trip \d+\.\d ms$/);
  });

  it('fails at once while the broker refuses connections, saying it reconnects', async () => {
    await proxy.refuse();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const down = await run(mqttCheck(client, { roundTrip: true }));
    expect(down.status).to.equal('ERROR');
    expect(down.message).to.match(/^mqtt not connected \(reconnecting, attempt \d+\)/);
    expect(down.elapsed).to.be.below(50);
    await proxy.restore();
    await connected();
    expect((await run(mqttCheck(client, { roundTrip: true }), 1000)).status).to.equal('OK');
  });

  it('fails the round trip at the deadline while the broker is black-holed', async () => {
    await connected();
    proxy.blackhole();
    try {
      const hung = await run(mqttCheck(client, { roundTrip: true }));
      expect(hung).to.include({ status: 'ERROR', message: 'timed out after 300 ms' });
      expect(hung.elapsed).to.be.below(350);
      // The next run publishes nothing more: the first probe is still under way.
      const again = await run(mqttCheck(client, { roundTrip: true }));
      expect(again.message).to.match(/^previous probe still running \(\d+ ms\)$/);
    } finally {
      await proxy.restore();
      proxy.cut();
    }
    await connected();
  });

  it('throws a TypeError naming a wrong argument when called', () => {
    expect(() => mqttCheck({} as never)).to.throw(TypeError, 'mqttCheck(): `client`');
    expect(() => mqttCheck(client, { roundTrip: 'yes' as never })).to.throw(TypeError, '`roundTrip`');
    expect(() => mqttCheck(client, { qos: 1 } as object)).to.throw(TypeError, '`qos` is not an option');
  });
});
