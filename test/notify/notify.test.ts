import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { contextOf } from '../../src/core/index.js';
import { environment } from '../../src/environment/index.js';
import {
  availability,
  type CheckStatus,
  createHealthBus,
  gracefulShutdown,
  type HealthBus,
  health,
  outcome,
  registerCheck,
  runHealthChecks,
} from '../../src/index.js';
import { type Notifier, type NotifyOptions, notify } from '../../src/notify/notify.js';
import { recordingLogger, sleep, tempDir } from '../helpers.js';
import { deadUrl, startReceiver, type TestReceiver } from './receiver.js';

interface WebhookBody {
  status: string;
  before: string | null;
  checks: Array<{ name: string; status: string; before: string; message: string; since: string; downForMs?: number }>;
  service: Record<string, string>;
  at: string;
  summary: string;
  events: Array<{ kind: string; check?: string; before?: string; status?: string }>;
  failing: Array<{ name: string }>;
  dropped: number;
  muted: string | null;
}

/** A bus with checks whose status the test sets, run as a run of the app would run them. */
function checksOn(names: readonly string[] = ['db']) {
  const bus = createHealthBus();
  const statuses = new Map<string, CheckStatus>(names.map((name) => [name, 'OK']));
  for (const name of names) {
    registerCheck(
      name,
      () => {
        const status = statuses.get(name) ?? 'OK';
        return status === 'OK' ? 'fine' : outcome(status, `${name} says <!channel> connection refused`);
      },
      { bus },
    );
  }
  return {
    bus,
    set(name: string, status: CheckStatus) {
      statuses.set(name, status);
    },
    run: () => runHealthChecks({ bus, logger: false }),
  };
}

describe('notify()', () => {
  let receiver: TestReceiver;
  const notifiers: Notifier[] = [];
  const start = (bus: HealthBus, options: Omit<NotifyOptions, 'bus'>): Notifier => {
    const notifier = notify({ bus, logger: false, ...options });
    notifiers.push(notifier);
    return notifier;
  };

  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await Promise.all(notifiers.splice(0).map((notifier) => notifier.close()));
    await receiver.close();
  });

  it('sends nothing for an OK first run, then the documented JSON on a change and on the recovery', async () => {
    const checks = checksOn(['db', 'cache']);
    const app = new Koa();
    app.use(
      health({
        bus: checks.bus,
        disableFile: false,
        logger: false,
        service: { version: '1.4.2', serviceId: 'orders-api', releaseId: '1.4.2-8e2f1c', description: 'Orders' },
      }),
    );
    start(checks.bus, {
      webhook: { url: receiver.url, headers: { authorization: 'Bearer hook-secret' } },
      minInterval: 0,
    });
    await checks.run();
    await sleep(50);
    expect(receiver.received).to.have.length(0);

    checks.set('db', 'ERROR');
    await request(app.callback()).get('/health?checks=all').expect(503);
    await receiver.waitFor(1);
    const [failed] = receiver.json<WebhookBody>();
    expect(receiver.received[0]!.headers.authorization).to.equal('Bearer hook-secret');
    expect(receiver.received[0]!.headers['content-type']).to.equal('application/json');
    expect(failed).to.deep.include({ status: 'ERROR', before: 'OK', dropped: 0, muted: null });
    expect(failed!.service).to.deep.equal({
      version: '1.4.2',
      serviceId: 'orders-api',
      releaseId: '1.4.2-8e2f1c',
      description: 'Orders',
    });
    expect(failed!.checks).to.have.length(1);
    expect(failed!.checks[0]).to.deep.include({ name: 'db', status: 'ERROR', before: 'OK' });
    expect(failed!.checks[0]!.message).to.contain('connection refused');
    expect(Date.parse(failed!.at)).to.be.closeTo(Date.now(), 5000);
    expect(failed!.summary).to.equal('orders-api: ERROR (was OK): failing: db');

    // The same failure again is no news.
    await checks.run();
    await sleep(50);
    expect(receiver.received).to.have.length(1);

    await sleep(30);
    checks.set('db', 'OK');
    await checks.run();
    await receiver.waitFor(2);
    const recovered = receiver.json<WebhookBody>()[1]!;
    expect(recovered).to.deep.include({ status: 'OK', before: 'ERROR' });
    expect(recovered.checks[0]).to.deep.include({ name: 'db', status: 'OK', before: 'ERROR' });
    expect(recovered.checks[0]!.downForMs).to.be.at.least(30);
    expect(recovered.summary).to.match(/^orders-api: OK \(was ERROR\): recovered after \d+ ms down$/);
  });

  it('a first run that is not OK is the first message', async () => {
    const checks = checksOn();
    checks.set('db', 'ERROR');
    start(checks.bus, { webhook: receiver.url, minInterval: 0 });
    await checks.run();
    await receiver.waitFor(1);
    const [body] = receiver.json<WebhookBody>();
    expect(body).to.deep.include({ status: 'ERROR', before: null });
    expect(body!.service).to.deep.equal({});
  });

  it('writes Slack a readable message, escaped: which check failed, why, since when; the recovery says how long it was down', async () => {
    const checks = checksOn();
    start(checks.bus, { slack: receiver.url, minInterval: 0 });
    await checks.run();
    checks.set('db', 'ERROR');
    await checks.run();
    await receiver.waitFor(1);
    const [failed] = receiver.json<{ text: string }>();
    expect(failed!.text).to.match(/^:red_circle: \*the service: ERROR \(was OK\): failing: db\*\n/);
    expect(failed!.text).to.match(
      /• \*db\* ERROR since \d\d:\d\d:\d\d UTC: db says &lt;!channel&gt; connection refused/,
    );
    expect(failed!.text).not.to.contain('<!channel>');
    checks.set('db', 'OK');
    await checks.run();
    await receiver.waitFor(2);
    const recovered = receiver.json<{ text: string }>()[1]!;
    expect(recovered.text).to.match(
      /^:large_green_circle: \*the service: OK \(was ERROR\): recovered after \d+ ms down\*/,
    );
    expect(recovered.text).to.match(/• \*db\* OK again after \d+ ms down/);
  });

  it('sends at most one message per minInterval, folding the changes inside it into the next: none lost', async () => {
    const checks = checksOn(['db', 'cache']);
    start(checks.bus, { webhook: receiver.url, minInterval: 400 });
    await checks.run();
    checks.set('db', 'ERROR');
    await checks.run();
    await receiver.waitFor(1);
    const first = receiver.received[0]!.at;
    checks.set('db', 'OK');
    await checks.run();
    checks.set('cache', 'WARN');
    await checks.run();
    checks.set('db', 'ERROR');
    await checks.run();
    await sleep(100);
    expect(receiver.received).to.have.length(1);
    await receiver.waitFor(2);
    expect(receiver.received[1]!.at - first).to.be.at.least(380);
    const folded = receiver.json<WebhookBody>()[1]!;
    expect(folded.events.map(({ check, before, status }) => `${check} ${before}→${status}`)).to.deep.equal([
      'db ERROR→OK',
      'cache OK→WARN',
      'db OK→ERROR',
    ]);
    expect(folded.checks.map(({ name, before, status }) => `${name} ${before}→${status}`).sort()).to.deep.equal([
      'cache OK→WARN',
      'db ERROR→ERROR',
    ]);
    await sleep(500);
    expect(receiver.received).to.have.length(2);
  });

  it('lists the latest 100 events in a message and counts the rest: a check changing every run cannot grow it without end', async () => {
    const checks = checksOn();
    start(checks.bus, { webhook: receiver.url, minInterval: 500, flapping: false });
    await checks.run();
    checks.set('db', 'ERROR');
    await checks.run();
    await receiver.waitFor(1);
    for (let i = 0; i < 150; i++) {
      checks.set('db', i % 2 === 0 ? 'OK' : 'ERROR');
      await checks.run();
    }
    await receiver.waitFor(2);
    const folded = receiver.json<WebhookBody & { omitted: number }>()[1]!;
    expect(folded.events).to.have.length(100);
    expect(folded.omitted).to.equal(50);
    expect(folded.summary).to.equal('the service: ERROR: failing: db');
    expect(folded.checks.map(({ name }) => name)).to.deep.equal(['db']);
  });

  it('says "N changes" in a folded Slack message', async () => {
    const checks = checksOn(['db', 'cache']);
    start(checks.bus, { slack: receiver.url, minInterval: 300 });
    await checks.run();
    checks.set('db', 'ERROR');
    await checks.run();
    checks.set('cache', 'ERROR');
    await checks.run();
    checks.set('db', 'OK');
    await checks.run();
    await receiver.waitFor(2);
    const folded = receiver.json<{ text: string }>()[1]!;
    // The first change went at once; the two after it, inside minInterval, are one message.
    expect(folded.text).to.match(/_2 changes:_ cache OK → ERROR at \d\d:\d\d:\d\d UTC; db ERROR → OK at /);
  });

  it('waits for failuresBeforeAlert runs in a row that are not OK before a message names a check', async () => {
    const checks = checksOn();
    start(checks.bus, { webhook: receiver.url, minInterval: 0, failuresBeforeAlert: 3 });
    checks.set('db', 'ERROR');
    await checks.run();
    await checks.run();
    checks.set('db', 'OK');
    await checks.run();
    checks.set('db', 'ERROR');
    await checks.run();
    await checks.run();
    await sleep(50);
    expect(receiver.received).to.have.length(0);
    await checks.run();
    await receiver.waitFor(1);
    // The baseline was OK as notifications saw it: the failures had not yet counted.
    expect(receiver.json<WebhookBody>()[0]).to.deep.include({ status: 'ERROR', before: 'OK' });
  });

  it('sends one "started flapping" and one "stopped flapping" message for a check that flaps', async () => {
    const checks = checksOn();
    start(checks.bus, { webhook: receiver.url, minInterval: 0, flapping: { changes: 4, window: 400 } });
    await checks.run();
    for (const status of ['ERROR', 'OK', 'ERROR', 'OK', 'ERROR', 'OK', 'ERROR'] as const) {
      checks.set('db', status);
      await checks.run();
    }
    await sleep(50);
    const kinds = () => receiver.json<WebhookBody>().flatMap(({ events }) => events.map(({ kind }) => kind));
    // Three changes were news; the fourth makes it flapping, and the rest are not told one by one.
    expect(kinds()).to.deep.equal(['change', 'change', 'change', 'flapping-started']);
    await sleep(450);
    await checks.run();
    await receiver.waitFor(5);
    expect(kinds().slice(4)).to.deep.equal(['flapping-stopped']);
    expect(receiver.json<WebhookBody>()[4]!.summary).to.equal(
      'the service: ERROR (was OK): db stopped flapping (ERROR)',
    );
  });

  it("honours a check's own flapping rule", async () => {
    const bus = createHealthBus();
    let ok = true;
    registerCheck('db', () => ok, { bus, flapping: { changes: 2, window: 60_000, status: 'WARN' } });
    start(bus, { webhook: receiver.url, minInterval: 0, flapping: { changes: 10, window: 60_000 } });
    for (let i = 0; i < 4; i++) {
      ok = !ok;
      await runHealthChecks({ bus, logger: false });
    }
    await sleep(50);
    const events = receiver
      .json<WebhookBody>()
      .flatMap(({ events }) => events.map(({ kind, status }) => `${kind} ${status}`));
    // The rule's two changes make it flapping at WARN, where notify()'s own rule (10 changes) would not yet.
    expect(events).to.deep.equal(['change ERROR', 'change OK', 'flapping-started WARN']);
  });

  it('reminds every remindEvery ms while something fails, and stops once it passes', async () => {
    const checks = checksOn();
    start(checks.bus, { webhook: receiver.url, minInterval: 0, remindEvery: 150 });
    checks.set('db', 'ERROR');
    await checks.run();
    await receiver.waitFor(3, 1000);
    const reminders = receiver.json<WebhookBody>().slice(1);
    for (const reminder of reminders) {
      expect(reminder.events.map(({ kind }) => kind)).to.deep.equal(['reminder']);
      expect(reminder.summary).to.equal('the service: ERROR: still failing: db');
    }
    checks.set('db', 'OK');
    await checks.run();
    const recovered = () => receiver.json<WebhookBody>().findIndex(({ status }) => status === 'OK');
    while (recovered() === -1) await sleep(10);
    await sleep(400);
    expect(receiver.received.length).to.equal(recovered() + 1);
  });

  it('sends nothing in maintenance but a message when muting starts, and one when it ends that says what changed meanwhile', async () => {
    const checks = checksOn(['db', 'cache']);
    const { dir, remove } = tempDir();
    try {
      const disableFile = join(dir, 'maintenance');
      health({ bus: checks.bus, disableFile, logger: false });
      start(checks.bus, { webhook: receiver.url, minInterval: 0 });
      await checks.run();
      writeFileSync(disableFile, '');
      await receiver.waitFor(1, 3000);
      expect(receiver.json<WebhookBody>()[0]).to.deep.include({ muted: 'maintenance' });
      expect(receiver.json<WebhookBody>()[0]!.events.map(({ kind }) => kind)).to.deep.equal(['muted']);
      checks.set('db', 'ERROR');
      await checks.run();
      checks.set('cache', 'WARN');
      await checks.run();
      await sleep(200);
      expect(receiver.received).to.have.length(1);
      remove();
      await receiver.waitFor(2, 3000);
      const after = receiver.json<WebhookBody>()[1]!;
      expect(after.muted).to.equal(null);
      expect(after.events.map(({ kind, check }) => `${kind}${check ? ` ${check}` : ''}`)).to.deep.equal([
        'unmuted',
        'change db',
        'change cache',
      ]);
      expect(after.status).to.equal('ERROR');
    } finally {
      remove();
    }
  });

  it('mutes while the app refuses traffic (when asked) and while draining: one message each way, the changes told after', async () => {
    const checks = checksOn();
    // A mount, so that the app's availability is logged through its (silent) logger.
    health({ bus: checks.bus, disableFile: false, logger: false });
    start(checks.bus, { webhook: receiver.url, minInterval: 0, muteWhen: ['REFUSING', 'DRAINING'] });
    await checks.run();
    const release = availability(checks.bus).refuseTraffic('config reload');
    // Looked at once a second, and at every run.
    await checks.run();
    await receiver.waitFor(1);
    expect(receiver.json<WebhookBody>()[0]).to.deep.include({ muted: 'refusing traffic' });
    checks.set('db', 'ERROR');
    await checks.run();
    release();
    await receiver.waitFor(2, 3000);
    const after = receiver.json<WebhookBody>()[1]!;
    expect(after.events.map(({ kind }) => kind)).to.deep.equal(['unmuted', 'change']);
    expect(after.status).to.equal('ERROR');
    contextOf(checks.bus).startDrain();
    checks.set('db', 'OK');
    await checks.run();
    await receiver.waitFor(3);
    expect(receiver.json<WebhookBody>()[2]).to.deep.include({ muted: 'draining' });
    await sleep(100);
    expect(receiver.received).to.have.length(3);
  });

  it('never slows a run with a dead receiver, and logs the outage once, its end once; no line holds the URL', async () => {
    const logger = recordingLogger();
    const checks = checksOn();
    const url = await deadUrl('/services/T000/B000/dead-token-123');
    const notifier = notify({ bus: checks.bus, webhook: url, minInterval: 0, retryDelay: 10, logger });
    notifiers.push(notifier);
    await checks.run();
    for (let i = 0; i < 6; i++) {
      checks.set('db', i % 2 === 0 ? 'ERROR' : 'OK');
      const started = performance.now();
      await checks.run();
      expect(performance.now() - started).to.be.below(50);
    }
    await sleep(300);
    const lines = logger.lines.map(([, line]) => line);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/koa-health notify: the webhook receiver failed \(network error ECONNREFUSED\)/);
    for (const line of lines) expect(line).not.to.contain('dead-token-123');
  });

  it('retries a 500 three times with backoff, then gives up; says once when the receiver answers again', async () => {
    const logger = recordingLogger();
    const checks = checksOn();
    receiver.behaviour = { status: 500 };
    notifiers.push(notify({ bus: checks.bus, webhook: receiver.url, minInterval: 0, retryDelay: 50, logger }));
    checks.set('db', 'ERROR');
    await checks.run();
    await receiver.waitFor(3);
    expect(receiver.received[1]!.at - receiver.received[0]!.at).to.be.at.least(45);
    expect(receiver.received[2]!.at - receiver.received[1]!.at).to.be.at.least(95);
    await sleep(100);
    expect(receiver.received).to.have.length(3);
    expect(logger.lines).to.deep.equal([
      [
        'warn',
        'koa-health notify: the webhook receiver failed (HTTP 500); a message was lost, and further failures are not logged until it answers again',
      ],
    ]);
    receiver.behaviour = { status: 200 };
    checks.set('db', 'OK');
    await checks.run();
    await receiver.waitFor(4);
    await sleep(20);
    expect(logger.lines[1]![1]).to.match(/the webhook receiver answers again \(1 messages lost since /);
  });

  it('does not retry a 4xx other than 408 and 429', async () => {
    const checks = checksOn();
    receiver.behaviour = { status: 404 };
    start(checks.bus, { webhook: receiver.url, minInterval: 0, retryDelay: 10 });
    checks.set('db', 'ERROR');
    await checks.run();
    await receiver.waitFor(1);
    await sleep(100);
    expect(receiver.received).to.have.length(1);
  });

  it('gives up a send after `timeout` ms when the receiver never answers, and retries it', async () => {
    const checks = checksOn();
    receiver.behaviour = 'never';
    start(checks.bus, { webhook: receiver.url, minInterval: 0, timeout: 100, retryDelay: 10 });
    checks.set('db', 'ERROR');
    await checks.run();
    await receiver.waitFor(3, 2000);
    expect(receiver.received[1]!.at - receiver.received[0]!.at).to.be.at.least(100);
  });

  it('holds queueSize messages while the receiver is slow; when full, drops the oldest and the next message says how many', async () => {
    const checks = checksOn();
    receiver.behaviour = { status: 200, delay: 300 };
    start(checks.bus, { webhook: receiver.url, minInterval: 0, queueSize: 2, flapping: false });
    for (let i = 0; i < 6; i++) {
      checks.set('db', i % 2 === 0 ? 'ERROR' : 'OK');
      await checks.run();
    }
    // The first is in flight; of the five queued behind it, the two newest are kept.
    await receiver.waitFor(3, 3000);
    await sleep(400);
    const bodies = receiver.json<WebhookBody>();
    expect(bodies.map(({ dropped }) => dropped)).to.deep.equal([0, 3, 0]);
    expect(bodies.map(({ status }) => status)).to.deep.equal(['ERROR', 'ERROR', 'OK']);
    expect(bodies[1]!.summary).to.contain('(3 messages dropped)');
  });

  it('close() sends what minInterval still held, and resolves within closeTimeout whatever the receiver does', async () => {
    const checks = checksOn();
    const notifier = notify({ bus: checks.bus, webhook: receiver.url, minInterval: 60_000, logger: false });
    await checks.run();
    checks.set('db', 'ERROR');
    await checks.run();
    await receiver.waitFor(1);
    checks.set('db', 'OK');
    await checks.run();
    await notifier.close();
    expect(receiver.received).to.have.length(2);
    expect(receiver.json<WebhookBody>()[1]!.status).to.equal('OK');

    const hanging = checksOn();
    receiver.behaviour = 'never';
    const stuck = notify({ bus: hanging.bus, webhook: receiver.url, minInterval: 0, closeTimeout: 300, logger: false });
    hanging.set('db', 'ERROR');
    await hanging.run();
    const started = Date.now();
    await stuck.close();
    expect(Date.now() - started).to.be.within(250, 1000);
    // Closed: later runs are not watched.
    hanging.set('db', 'OK');
    await hanging.run();
    await sleep(50);
    expect(receiver.received).to.have.length(3);
  });

  it("can be awaited in gracefulShutdown's onShutdown", async () => {
    const checks = checksOn();
    const middleware = health({ bus: checks.bus, disableFile: false, logger: false });
    const notifier = notify({ bus: checks.bus, webhook: receiver.url, minInterval: 60_000, logger: false });
    const app = new Koa();
    app.use(middleware);
    const server = app.listen(0, '127.0.0.1');
    const shutdown = gracefulShutdown(server, {
      health: middleware,
      signals: ['SIGUSR2'],
      shutdownDelay: 0,
      exit: false,
      logger: false,
      onShutdown: () => notifier.close(),
    });
    await checks.run();
    checks.set('db', 'ERROR');
    await checks.run();
    await receiver.waitFor(1);
    checks.set('db', 'OK');
    await checks.run();
    await shutdown.shutdown();
    expect(receiver.json<WebhookBody>().map(({ status }) => status)).to.deep.equal(['ERROR', 'OK']);
  });

  it('refuses wrong options with a TypeError naming them, never showing a URL or a header', () => {
    const secretUrl = 'ftp://hooks.example.com/secret-token-456';
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{}, /notify\(\): `webhook` must be a URL/],
      [{ slack: undefined }, /`slack` must be a URL; leave it out to send none \(an unset variable\?\), got undefined/],
      [{ slack: 'http://x/', webhook: undefined }, /`webhook` must be a URL; leave it out/],
      [{ webhook: secretUrl }, /`webhook` must be an http:\/\/ or https:\/\/ URL, got a value not shown here/],
      [{ webhook: 'not a url secret-token-456' }, /`webhook` must be an http/],
      [{ slack: 'nope secret-token-456' }, /`slack` must be an http/],
      [
        { webhook: { url: 'http://x/', headers: { authorization: 'secret-token-456\n' } } },
        /webhook\.headers\["authorization"\]/,
      ],
      [{ webhook: { url: 'http://x/', token: 'x' } }, /`token` is not an option/],
      [{ webhook: 'http://x/', minInterval: -1 }, /`minInterval` must be 0 or a number of ms/],
      [{ webhook: 'http://x/', remindEvery: 0 }, /`remindEvery` must be a number of ms/],
      [{ webhook: 'http://x/', failuresBeforeAlert: 0 }, /`failuresBeforeAlert` must be a whole number/],
      [
        { webhook: 'http://x/', muteWhen: ['SOMETIMES'] },
        /`muteWhen` must be a list of MAINTENANCE, DRAINING, REFUSING/,
      ],
      [{ webhook: 'http://x/', queueSize: 1e9 }, /`queueSize` must be a whole number from 1 to 10000/],
      [{ webhook: 'http://x/', timeout: Number.POSITIVE_INFINITY }, /`timeout` must be a number of ms/],
      [{ webhook: 'http://x/', closeTimeout: -1 }, /`closeTimeout` must be a number of ms/],
      [{ webhook: 'http://x/', retryDelay: 1e12 }, /`retryDelay` must be 0 or a number of ms/],
      [{ webhook: 'http://x/', flapping: { changes: 1 } }, /`flapping.changes` must be a whole number from 2/],
      [{ webhook: 'http://x/', webhookUrl: 'x' }, /`webhookUrl` is not an option/],
      [{ webhook: 'http://x/', structuredLogs: 'yes' }, /`structuredLogs` must be true or false/],
    ];
    for (const [options, message] of bad) {
      let thrown: unknown;
      try {
        notify(options as NotifyOptions);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(Object.keys(options))).to.be.instanceOf(TypeError);
      expect((thrown as Error).message).to.match(message);
      expect((thrown as Error).message).not.to.contain('secret-token-456');
    }
  });

  it('keeps a Slack webhook URL out of the status page and the environment dump', async () => {
    const slackUrl = 'https://hooks.slack.com/services/T0001/B0002/slacksecrettoken789';
    const bus = createHealthBus();
    const notifier = notify({ bus, slack: slackUrl, minInterval: 0, logger: false });
    notifiers.push(notifier);
    const saved = process.env.SLACK_HOOK;
    process.env.SLACK_HOOK = slackUrl;
    try {
      const app = new Koa();
      app.use(health({ bus, disableFile: false, logger: false }));
      app.use(environment({ secret: 's3cret-for-the-dump', logger: false, config: { alerts: { slack: slackUrl } } }));
      const page = await request(app.callback()).get('/health?checks=all&format=html').expect(200);
      expect(page.text).not.to.contain('slacksecrettoken789');
      const dump = await request(app.callback()).get('/environment').set('Authorization', 'Bearer s3cret-for-the-dump');
      expect(dump.status).to.equal(200);
      expect(dump.text).not.to.contain('slacksecrettoken789');
      expect(dump.text).to.contain('SLACK_HOOK');
    } finally {
      if (saved === undefined) delete process.env.SLACK_HOOK;
      else process.env.SLACK_HOOK = saved;
    }
  });
});
