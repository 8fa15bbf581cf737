import { fileURLToPath } from 'node:url';
import { type CheckFunction, entryOf, knownOptions } from '../core/index.js';
import { argumentError, probeOnce } from './probe.js';

/** What `grpcCheck()` uses of a `grpc.health.v1.Health` client (made by `@grpc/grpc-js`). */
export interface GrpcHealthClient {
  check(
    request: { service: string },
    callback: (error: (Error & { code?: number; details?: string }) | null, response?: { status?: string }) => void,
  ): { cancel(): void };
}

/** Options of `grpcCheck()`. */
export interface GrpcCheckOptions {
  /**
   * The service to ask about; `''` is the server as a whole.
   * @default ''
   */
  service?: string;
}

// gRPC's status codes by number, as the protocol names them.
const STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

// By client, a key per service asked about: the one probe in flight for it.
const probes = new WeakMap<object, Map<string, object>>();

/**
 * A Health client for `target`, made with the app's `@grpc/grpc-js` and `@grpc/proto-loader`, loaded only
 * now: importing `koa-health/checks` loads neither.
 */
async function clientFor(target: string): Promise<GrpcHealthClient> {
  const [grpc, loader] = await Promise.all([import('@grpc/grpc-js'), import('@grpc/proto-loader')]);
  const proto = fileURLToPath(new URL('../../proto/health.proto', import.meta.url));
  const loaded = grpc.loadPackageDefinition(loader.loadSync(proto, { keepCase: true, enums: String })) as unknown as {
    grpc: { health: { v1: { Health: new (target: string, credentials: unknown) => GrpcHealthClient } } };
  };
  return new loaded.grpc.health.v1.Health(target, grpc.credentials.createInsecure());
}

/**
 * Checks a gRPC backend with the standard `grpc.health.v1.Health/Check` call, cancelled at the deadline:
 * `SERVING` passes; `NOT_SERVING`, `SERVICE_UNKNOWN` and any error status (`UNAVAILABLE`, `UNIMPLEMENTED`
 * from a server without the health service) fail, named. Takes the app's own client of the Health service,
 * or a target (`'orders:50051'`), for which it makes one client of its own, without TLS, at its first run.
 * @throws {TypeError} for a wrong client, target or option
 */
export function grpcCheck(clientOrTarget: GrpcHealthClient | string, options: GrpcCheckOptions = {}): CheckFunction {
  const where = 'grpcCheck()';
  knownOptions(options, ['service'], where);
  const { service = '' } = options;
  if (typeof service !== 'string') throw argumentError(where, 'service', 'a service name', service);
  let getClient: () => Promise<GrpcHealthClient>;
  if (typeof clientOrTarget === 'string') {
    if (clientOrTarget === '') throw argumentError(where, 'target', "a target such as 'orders:50051'", clientOrTarget);
    // Made at the first run, once: a check of its own, with a client of its own.
    let made: Promise<GrpcHealthClient> | undefined;
    getClient = () => (made ??= clientFor(clientOrTarget));
  } else if (typeof (clientOrTarget as Partial<GrpcHealthClient> | null)?.check === 'function')
    getClient = () => Promise.resolve(clientOrTarget);
  else throw argumentError(where, 'client', 'a grpc.health.v1.Health client, or a target', clientOrTarget);
  // One call in flight per client and service (a target's client is this check's alone).
  const owner: object = typeof clientOrTarget === 'string' ? {} : clientOrTarget;
  const key = entryOf(
    entryOf(probes, owner, () => new Map<string, object>()),
    service,
    () => ({}),
  );
  return async (signal) => {
    const started = performance.now();
    const health = await getClient();
    const answered = await probeOnce(
      key,
      signal,
      () =>
        new Promise<string>((resolve, reject) => {
          const call = health.check({ service }, (error, response) => {
            signal.removeEventListener('abort', cancel);
            if (error) {
              const name = STATUS_NAMES[error.code ?? 2] ?? 'UNKNOWN';
              return reject(new Error(`grpc ${name}${error.details ? `: ${error.details}` : ''}`));
            }
            resolve(response?.status ?? 'UNKNOWN');
          });
          const cancel = (): void => call.cancel();
          signal.addEventListener('abort', cancel, { once: true });
        }),
    );
    if (answered !== 'SERVING') throw new Error(`grpc health ${answered}`);
    return `SERVING in ${Math.round(performance.now() - started)} ms`;
  };
}
