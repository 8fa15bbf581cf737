import { promises as dns } from 'node:dns';
import { type CheckFunction, knownOptions, outcome } from '../core/index.js';
import { argumentError, probeOnce } from './probe.js';

/** The record types `dnsCheck()` asks for. */
export type DnsRecordType = 'A' | 'AAAA' | 'CNAME' | 'MX' | 'NS' | 'SRV' | 'TXT';

/** Options of `dnsCheck()`. */
export interface DnsCheckOptions {
  /**
   * The record type to ask for.
   * @default 'A'
   */
  rrtype?: DnsRecordType;
  /**
   * Which servers to ask: addresses (`'127.0.0.1:5353'`, `['10.0.0.2', '10.0.0.3']`) or a
   * `dns.promises.Resolver` of the app's own.
   * @default the system's servers (`/etc/resolv.conf`; `/etc/hosts` is not read)
   */
  resolver?: string | readonly string[] | dns.Resolver;
}

const RECORD_TYPES: readonly DnsRecordType[] = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'SRV', 'TXT'];
const HOSTNAME =
  /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

/**
 * Checks that a name resolves, through the DNS servers (not `/etc/hosts`): the answers are in its details,
 * a failure names the resolver's code (`ENOTFOUND`, `ESERVFAIL`, `ETIMEOUT`, `ECONNREFUSED`). The query is
 * cancelled at the deadline.
 * @throws {TypeError} for a name that is not a host name, an unknown record type, or a wrong resolver
 */
export function dnsCheck(hostname: string, options: DnsCheckOptions = {}): CheckFunction {
  const where = 'dnsCheck()';
  if (typeof hostname !== 'string' || !HOSTNAME.test(hostname))
    throw argumentError(where, 'hostname', 'a host name', hostname);
  knownOptions(options, ['rrtype', 'resolver'], where);
  const { rrtype = 'A', resolver: given } = options;
  if (!RECORD_TYPES.includes(rrtype)) throw argumentError(where, 'rrtype', RECORD_TYPES.join(', '), rrtype);
  let servers: string[] | undefined;
  let own: dns.Resolver | undefined;
  if (given instanceof dns.Resolver) own = given;
  else if (given !== undefined) {
    servers = typeof given === 'string' ? [given] : Array.isArray(given) ? [...given] : [];
    // setServers() checks each address: what it refuses is refused now, not at the first run.
    try {
      if (servers.length === 0) throw new Error('none');
      new dns.Resolver().setServers(servers);
    } catch {
      throw argumentError(where, 'resolver', 'server addresses (ip or ip:port), or a dns.promises.Resolver', given);
    }
  }
  // One resolver per check, one query in flight on it: cancelling it at the deadline cancels nothing else.
  // An app's own resolver is never cancelled (its other queries would go too): the deadline fails the run.
  const resolver = own ?? new dns.Resolver({ tries: 1 });
  if (servers !== undefined) resolver.setServers(servers);
  return async (signal) => {
    const onAbort = (): void => resolver.cancel();
    if (own === undefined) signal.addEventListener('abort', onAbort, { once: true });
    const started = performance.now();
    try {
      const answers = (await probeOnce(resolver, signal, () => resolver.resolve(hostname, rrtype))) as unknown[];
      const ms = Math.round(performance.now() - started);
      const shown = answers.map((answer) => (typeof answer === 'string' ? answer : JSON.stringify(answer)));
      return outcome(
        'OK',
        `${hostname} ${rrtype}: ${shown.slice(0, 5).join(', ')}${shown.length > 5 ? ', …' : ''} in ${ms} ms`,
        { answers: shown, observedValue: ms, observedUnit: 'ms' },
      );
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const { code } = error as { code?: unknown };
      if (typeof code !== 'string') throw error;
      throw new Error(`${code} resolving ${hostname} ${rrtype}`);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  };
}
