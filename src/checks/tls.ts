import { isIP } from 'node:net';
import { connect, type PeerCertificate } from 'node:tls';
import { type CheckFunction, knownOptions, NOT_SHOWN, outcome } from '../core/index.js';
import { argumentError } from './probe.js';

/** Options of `tlsCheck()`. */
export interface TlsCheckOptions {
  /**
   * `WARN` when the certificate expires within this many days.
   * @default 14
   */
  warnDays?: number;
  /**
   * `ERROR` when it expires within this many days.
   * @default 3
   */
  errorDays?: number;
  /**
   * The name sent in SNI and checked against the certificate.
   * @default the host, unless it is an IP address
   */
  servername?: string;
  /**
   * Certificates to trust besides Node's own (its default CAs and `NODE_EXTRA_CA_CERTS`): a private CA.
   * @default Node's
   */
  ca?: string | Buffer | ReadonlyArray<string | Buffer>;
}

const DAY_MS = 86_400_000;

// OpenSSL's verification codes as Node names them, in OpenSSL's own words.
const REASONS: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  CERT_HAS_EXPIRED: 'certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'hostname mismatch',
};

/**
 * Checks a TLS endpoint's certificate: connects (one connection, closed once the certificate is read), and
 * fails a certificate that is not trusted (`self-signed certificate`, `hostname mismatch`), expired, or
 * expiring within `errorDays`; warns within `warnDays` (`certificate expires in 9 days (2027-01-01)`).
 * Subject, issuer and expiry are in its details. Takes `host, port` or an `https://` URL.
 * @throws {TypeError} for a wrong host, port, URL or option
 */
export function tlsCheck(host: string, port: number, options?: TlsCheckOptions): CheckFunction;
export function tlsCheck(url: string | URL, options?: TlsCheckOptions): CheckFunction;
export function tlsCheck(
  target: string | URL,
  portOrOptions?: number | TlsCheckOptions,
  maybeOptions: TlsCheckOptions = {},
): CheckFunction {
  const where = 'tlsCheck()';
  let host: string;
  let port: number;
  let options: TlsCheckOptions;
  if (typeof portOrOptions === 'number') {
    if (typeof target !== 'string' || target === '')
      throw argumentError(where, 'host', 'a host name or address', target);
    host = target;
    port = portOrOptions;
    options = maybeOptions;
  } else {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw argumentError(where, 'url', 'an https:// URL, or a host and a port', NOT_SHOWN);
    }
    if (url.protocol !== 'https:') throw argumentError(where, 'url', 'an https:// URL', url.protocol);
    // An IPv6 host comes bracketed in a URL.
    host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    port = url.port === '' ? 443 : Number(url.port);
    options = portOrOptions ?? {};
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw argumentError(where, 'port', 'a port from 1 to 65535', port);
  knownOptions(options, ['warnDays', 'errorDays', 'servername', 'ca'], where);
  const { warnDays = 14, errorDays = 3, servername = isIP(host) === 0 ? host : undefined, ca } = options;
  const days = (name: string, value: unknown): void => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      throw argumentError(where, name, 'a number of days, 0 or more', value);
  };
  days('warnDays', warnDays);
  days('errorDays', errorDays);
  if (errorDays > warnDays) throw argumentError(where, 'errorDays', `at most \`warnDays\` (${warnDays})`, errorDays);
  if (servername !== undefined && (typeof servername !== 'string' || servername === ''))
    throw argumentError(where, 'servername', 'a host name', servername);
  if (ca !== undefined && !(typeof ca === 'string' || Buffer.isBuffer(ca) || Array.isArray(ca)))
    throw argumentError(where, 'ca', 'PEM text, a Buffer, or a list of them', NOT_SHOWN);

  return (signal) =>
    new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const socket = connect({
        host,
        port,
        ...(servername === undefined ? {} : { servername }),
        ...(ca === undefined ? {} : { ca: ca as string | Buffer | Array<string | Buffer> }),
        // Judged below, so that an untrusted certificate is reported with its reason and its dates.
        rejectUnauthorized: false,
      });
      const onAbort = (): void => {
        socket.destroy();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const done = (): void => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
      };
      socket.once('secureConnect', () => {
        const certificate = socket.getPeerCertificate();
        const { authorized, authorizationError } = socket;
        done();
        if (certificate === null || Object.keys(certificate).length === 0) {
          reject(new Error(`no certificate from ${host}:${port}`));
          return;
        }
        resolve(judge(certificate, authorized ? undefined : String(authorizationError), { warnDays, errorDays }));
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        done();
        reject(new Error(`${error.code ?? error.message} connecting to ${host}:${port}`));
      });
    });
}

/** A certificate's verdict: trust first, then how long it has left. */
function judge(
  certificate: PeerCertificate,
  untrusted: string | undefined,
  { warnDays, errorDays }: { warnDays: number; errorDays: number },
) {
  const expires = new Date(certificate.valid_to);
  const date = Number.isNaN(expires.getTime()) ? certificate.valid_to : expires.toISOString().slice(0, 10);
  const left = (expires.getTime() - Date.now()) / DAY_MS;
  const details = {
    subject: nameOf(certificate.subject),
    issuer: nameOf(certificate.issuer),
    validTo: Number.isNaN(expires.getTime()) ? certificate.valid_to : expires.toISOString(),
    daysLeft: Math.round(left),
    observedValue: Math.round(left),
    observedUnit: 'days',
  };
  if (left <= 0) return outcome('ERROR', `certificate expired ${daysText(-left)} ago (${date})`, details);
  if (untrusted !== undefined && untrusted !== 'CERT_HAS_EXPIRED')
    return outcome('ERROR', `certificate not trusted: ${REASONS[untrusted] ?? untrusted}`, details);
  const inDays = `certificate expires in ${daysText(left)} (${date})`;
  if (left <= errorDays) return outcome('ERROR', inDays, details);
  if (left <= warnDays) return outcome('WARN', inDays, details);
  return outcome('OK', `certificate valid for ${daysText(left)} (${date}), issued by ${details.issuer}`, details);
}

/** Days as people say them: a certificate made for 5 days has 5 days left, not 4.99. */
function daysText(days: number): string {
  const whole = Math.max(1, Math.round(days));
  return `${whole} day${whole === 1 ? '' : 's'}`;
}

/** A certificate name as people read it: its CN, else its O, else every part. */
function nameOf(name: PeerCertificate['subject'] | undefined): string {
  if (name === undefined) return 'unknown';
  const { CN, O } = name as { CN?: string | string[]; O?: string | string[] };
  const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);
  return (
    first(CN) ??
    first(O) ??
    Object.entries(name)
      .map(([key, value]) => `${key}=${String(value)}`)
      .join(', ')
  );
}
