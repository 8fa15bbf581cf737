import { createSocket, type Socket } from 'node:dgram';
import { promises as dnsPromises } from 'node:dns';
import { expect } from 'chai';
import { dnsCheck } from '../../src/checks/index.js';
import type { CheckFunction } from '../../src/index.js';
import { runCheck } from '../helpers.js';

const run = (fn: CheckFunction, timeout = 2000) => runCheck(fn, timeout);

/**
 * A tiny DNS responder for the test, on UDP: `api.test` has two A records, `broken.test` answers SERVFAIL,
 * `slow.test` is never answered, anything else is NXDOMAIN.
 */
async function responder(): Promise<{ socket: Socket; address: string; queries: number }> {
  const socket = createSocket('udp4');
  const state = { socket, address: '', queries: 0 };
  socket.on('message', (query, peer) => {
    state.queries++;
    // The question: labels from byte 12 up to the empty one, then its type and class.
    let end = 12;
    const labels: string[] = [];
    while (query[end] !== 0) {
      labels.push(query.subarray(end + 1, end + 1 + query[end]!).toString());
      end += query[end]! + 1;
    }
    const question = query.subarray(12, end + 5);
    const name = labels.join('.').toLowerCase();
    if (name === 'slow.test') return;
    const addresses = name === 'api.test' ? ['10.1.2.3', '10.1.2.4'] : [];
    const rcode = name === 'broken.test' ? 2 : addresses.length === 0 ? 3 : 0;
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);
    header.writeUInt16BE(0x8180 | rcode, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(addresses.length, 6);
    const answers = addresses.map((address) => {
      const record = Buffer.alloc(16);
      record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
      record.writeUInt16BE(1, 2); // A
      record.writeUInt16BE(1, 4); // IN
      record.writeUInt32BE(60, 6); // TTL
      record.writeUInt16BE(4, 10);
      address.split('.').forEach((part, i) => record.writeUInt8(Number(part), 12 + i));
      return record;
    });
    socket.send(Buffer.concat([header, question, ...answers]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  state.address = `127.0.0.1:${socket.address().port}`;
  return state;
}

describe('dnsCheck() against a local DNS responder', () => {
  let dns: Awaited<ReturnType<typeof responder>>;
  before(async () => (dns = await responder()));
  after(() => dns.socket.close());

  it('passes a name that resolves, with the answers in its details', async () => {
    const result = await run(dnsCheck('api.test', { resolver: dns.address }));
    expect(result.status, result.message).to.equal('OK');
    expect(result.message).to.match(/^api\.test A: 10\.1\.2\.3, 10\.1\.2\.4 in \d+ ms$/);
    expect(result.details).to.deep.include({ answers: ['10.1.2.3', '10.1.2.4'], observedUnit: 'ms' });
    // An app's own Resolver works as well.
    const own = new dnsPromises.Resolver();
    own.setServers([dns.address]);
    expect((await run(dnsCheck('api.test', { resolver: own }))).status).to.equal('OK');
  });

  it('names ENOTFOUND and ESERVFAIL, and fails at the deadline on a server that never answers', async () => {
    expect(await run(dnsCheck('missing.test', { resolver: [dns.address] }))).to.include({
      status: 'ERROR',
      message: 'ENOTFOUND resolving missing.test A',
    });
    expect(await run(dnsCheck('broken.test', { resolver: dns.address }))).to.include({
      status: 'ERROR',
      message: 'ESERVFAIL resolving broken.test A',
    });
    const slow = await run(dnsCheck('slow.test', { resolver: dns.address }), 200);
    expect(slow).to.include({ status: 'ERROR', message: 'timed out after 200 ms' });
    expect(slow.elapsed).to.be.below(400);
  });

  it('throws a TypeError naming a wrong argument when called', () => {
    expect(() => dnsCheck('')).to.throw(TypeError, '`hostname`');
    expect(() => dnsCheck('bad name\r\n')).to.throw(TypeError, '`hostname`');
    expect(() => dnsCheck('api.test', { rrtype: 'PTR' as never })).to.throw(TypeError, '`rrtype`');
    expect(() => dnsCheck('api.test', { resolver: 'not an address' })).to.throw(TypeError, '`resolver`');
    expect(() => dnsCheck('api.test', { resolver: [] })).to.throw(TypeError, '`resolver`');
    expect(() => dnsCheck('api.test', { server: '1.1.1.1' } as object)).to.throw(
      TypeError,
      '`server` is not an option',
    );
  });
});
