/**
 * `koa-health/grpc`: the standard gRPC health protocol (`grpc.health.v1.Health`, `proto/health.proto`) from
 * both sides, with `@grpc/grpc-js` and `@grpc/proto-loader` (optional peer dependencies):
 * `grpcHealthService()` serves koa-health's status to gRPC clients (a Kubernetes `grpc:` probe, Envoy),
 * through the same engine as the HTTP endpoint; `grpcCheck()` (from `koa-health/checks`, here too) asks a
 * gRPC backend how it is.
 * @module
 */
import { fileURLToPath } from 'node:url';
import {
  status as grpcStatus,
  loadPackageDefinition,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  availability,
  DEFAULT_TIMEOUT,
  type HealthBus,
  healthBus,
  knownOptions,
  type Logger,
  optionError,
  Selection,
  sharedEngine,
  shown,
  validBus,
  validLogger,
  validTimeout,
} from '../core/index.js';

export { type GrpcCheckOptions, type GrpcHealthClient, grpcCheck } from '../checks/grpc.js';

/** What a service answers: the protocol's words. */
export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

interface HealthRequest {
  service?: string;
}
interface HealthResponse {
  status: ServingStatus;
}

/** The protocol, loaded once from the `health.proto` the package ships. */
const protocol = (() => {
  const definition = loadSync(fileURLToPath(new URL('../../proto/health.proto', import.meta.url)), {
    keepCase: true,
    enums: String,
    defaults: true,
  });
  const loaded = loadPackageDefinition(definition) as unknown as {
    grpc: {
      health: {
        v1: {
          Health: { service: ServiceDefinition };
        };
      };
    };
  };
  return loaded.grpc.health.v1.Health;
})();

/** Options of `grpcHealthService()`. */
export interface GrpcHealthServiceOptions {
  /**
   * The bus whose checks answer.
   * @default healthBus
   */
  bus?: HealthBus;
  /**
   * Each service name a client may ask for, and the checks that answer for it (as `?checks=` takes them).
   * `''` is the server as a whole.
   * @default { '': '_defaults' }
   */
  services?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * The deadline of a run, in ms.
   * @default 5000
   */
  timeout?: number;
  /**
   * Where a change is logged; `false` for nowhere.
   * @default console
   */
  logger?: Logger | false;
  /**
   * How often, in ms, a `Watch` stream looks again when no event said something changed.
   * @default 5000
   */
  watchInterval?: number;
}

/** What `grpcHealthService()` returns: `server.addService(health.definition, health.implementation)`. */
export interface GrpcHealthService {
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
  /** Ends every `Watch` stream and lets go of the engine. */
  close(): void;
}

/**
 * The gRPC health service over the bus's checks. `Check` runs a service's checks through the same engine as
 * `health()` (floods share one run; cache and schedules apply): `SERVING` when they pass, `NOT_SERVING` when
 * one fails and while the app refuses traffic (the drain included) or its startup is held; an unknown name
 * is `NOT_FOUND`, as the protocol says. `Watch` sends the status at once and then only when it changes
 * (`SERVICE_UNKNOWN` for an unknown name).
 * @throws {TypeError} for a wrong option
 */
export function grpcHealthService(options: GrpcHealthServiceOptions = {}): GrpcHealthService {
  const where = 'grpcHealthService()';
  knownOptions(options, ['bus', 'services', 'timeout', 'logger', 'watchInterval'], where);
  const {
    bus = healthBus,
    services = { '': '_defaults' },
    timeout = DEFAULT_TIMEOUT,
    logger = console,
    watchInterval = 5000,
  } = options;
  validBus(bus, where);
  if (typeof services !== 'object' || services === null || Array.isArray(services))
    throw optionError(where, 'services', 'an object of service names to checks', services);
  const selections = new Map<string, Selection>();
  for (const [name, checks] of Object.entries(services)) {
    let selection: Selection | undefined;
    try {
      selection = Selection.parse(checks as string | string[]);
    } catch {
      selection = undefined;
    }
    if (selection === undefined)
      throw optionError(
        where,
        `services[${JSON.stringify(name)}]`,
        "checks as `?checks=` takes them ('_defaults', '@tag', names)",
        checks,
      );
    selections.set(name, selection);
  }
  const engineOptions = {
    bus,
    timeout: validTimeout(timeout, where, 'timeout'),
    cache: { success: 0, failure: 0 },
    refreshInterval: 0,
    logger: validLogger(logger, where),
    expect: [],
    history: 100,
    timeline: 30,
  };
  const interval = validTimeout(watchInterval, where, 'watchInterval');
  // The same settings as a health() mount with its defaults: the two share one engine, and one run per flood.
  const { value: engine, release } = sharedEngine(engineOptions);
  const handle = availability(bus);
  const watching = new Set<() => void>();

  /** A known service's status now. */
  const statusOf = async (selection: Selection): Promise<ServingStatus> => {
    const { state } = handle;
    if (state.readiness === 'REFUSING' || state.startup !== 'STARTED') return 'NOT_SERVING';
    const { result } = await engine.serve(selection, true);
    return result.status === 'ERROR' ? 'NOT_SERVING' : 'SERVING';
  };

  const implementation: UntypedServiceImplementation = {
    Check(call: ServerUnaryCall<HealthRequest, HealthResponse>, callback: sendUnaryData<HealthResponse>): void {
      const name = call.request.service ?? '';
      const selection = selections.get(name);
      if (selection === undefined) {
        callback({ code: grpcStatus.NOT_FOUND, details: `unknown service ${shown(name)}` });
        return;
      }
      statusOf(selection).then(
        (status) => callback(null, { status }),
        () => callback(null, { status: 'NOT_SERVING' }),
      );
    },
    Watch(call: ServerWritableStream<HealthRequest, HealthResponse>): void {
      const name = call.request.service ?? '';
      const selection = selections.get(name);
      if (selection === undefined) {
        call.write({ status: 'SERVICE_UNKNOWN' });
        return;
      }
      let last: ServingStatus | undefined;
      let looking = false;
      const look = (): void => {
        if (looking) return;
        looking = true;
        statusOf(selection)
          .catch((): ServingStatus => 'NOT_SERVING')
          .then((status) => {
            looking = false;
            if (status === last || call.cancelled) return;
            last = status;
            call.write({ status });
          });
      };
      const timer = setInterval(look, interval);
      timer.unref();
      const stop = (): void => {
        clearInterval(timer);
        bus.off('healthchange', look);
        bus.off('availability', look);
        watching.delete(end);
      };
      const end = (): void => {
        stop();
        call.end();
      };
      watching.add(end);
      bus.on('healthchange', look);
      bus.on('availability', look);
      call.on('cancelled', stop);
      call.on('close', stop);
      look();
    },
  };
  return {
    definition: protocol.service,
    implementation,
    close(): void {
      for (const end of [...watching]) end();
      release();
    },
  };
}
