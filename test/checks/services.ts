import { connect } from 'node:net';

/** A server the tests need, and the command that starts it on this kind of machine. */
export interface Service {
  readonly name: string;
  readonly port: number;
  readonly start: string;
}

export const POSTGRES: Service = {
  name: 'PostgreSQL',
  port: 5432,
  start: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
};
export const MARIADB: Service = {
  name: 'MariaDB',
  port: 3306,
  start: 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
};
export const REDIS: Service = {
  name: 'Redis',
  port: 6379,
  start: 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no',
};

export const RABBITMQ: Service = { name: 'RabbitMQ', port: 5672, start: 'rabbitmq-server -detached' };
export const NATS: Service = {
  name: 'NATS',
  port: 4222,
  start:
    'start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log',
};
export const MOSQUITTO: Service = {
  name: 'Mosquitto',
  port: 1883,
  start: 'mosquitto -d -c /etc/mosquitto/mosquitto.conf',
};

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    for (const event of ['error', 'timeout'])
      socket.once(event, () => {
        socket.destroy();
        resolve(false);
      });
  });
}

/**
 * For a `before` hook: skips the suite, with one line saying what to start, when the service is not
 * reachable; under `CI=true` (CI has the services) that fails instead.
 */
export async function requireService(context: Mocha.Context, service: Service): Promise<void> {
  if (await reachable(service.port)) return;
  const line = `${service.name} is not reachable on 127.0.0.1:${service.port}; start it with: ${service.start}`;
  if (process.env.CI === 'true') throw new Error(`${line} (CI=true: the tests that need it fail)`);
  console.log(`    skipped: ${line}`);
  context.skip();
}
