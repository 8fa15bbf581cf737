import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { environment, MASK } from '../../src/environment/index.js';
import { recordingLogger } from '../helpers.js';

async function configShown(config: object): Promise<{ shown: Record<string, unknown>; text: string }> {
  const app = new Koa().use(environment({ include: { os: false, node: false, process: false }, config }));
  const res = await request(app.callback()).get('/environment').expect(200);
  return { shown: (JSON.parse(res.text) as { config: Record<string, unknown> }).config, text: res.text };
}

describe('scrubbing secrets in shapes the key rule does not see', () => {
  it('masks the argv word after a secret flag, in a list and in a command line, keeping the shape', async () => {
    const { shown, text } = await configShown({
      argv: ['node', 'app.js', '--db-password', 'hunter2', '--port', '3000', '-token', 't0k3n'],
      command: 'node app.js --db-password hunter2 --api-key=k3y --verbose',
    });
    expect(shown.argv).to.deep.equal(['node', 'app.js', '--db-password', MASK, '--port', '3000', '-token', MASK]);
    expect(shown.command).to.equal(`node app.js --db-password ${MASK} --api-key=${MASK} --verbose`);
    for (const secret of ['hunter2', 't0k3n', 'k3y']) expect(text).to.not.include(secret);
  });

  it('masks secret parameters in URL query strings, keeping the URL', async () => {
    const { shown, text } = await configShown({
      api: 'https://api.example.com/v1?access_token=abc123&page=2',
      callback: 'https://x.test/cb?user=bob&password=pw1;sig=zzz#top',
      encoded: 'https://x.test/?db%5Fpassword=enc0ded&q=1',
      both: 'postgres://app:dbpass@db:5432/app?sslpassword=sslpw&sslmode=require',
    });
    expect(shown.api).to.equal(`https://api.example.com/v1?access_token=${MASK}&page=2`);
    expect(shown.callback).to.equal(`https://x.test/cb?user=bob&password=${MASK};sig=zzz#top`);
    expect(shown.encoded).to.equal(`https://x.test/?db%5Fpassword=${MASK}&q=1`);
    expect(shown.both).to.equal(`postgres://app:${MASK}@db:5432/app?sslpassword=${MASK}&sslmode=require`);
    for (const secret of ['abc123', 'pw1', 'enc0ded', 'dbpass', 'sslpw']) expect(text).to.not.include(secret);
  });
});

describe('scrubbing secrets a careless config holds', () => {
  it("masks a URL password holding a raw @ whole, as Node's URL parser reads it up to the last @", async () => {
    const { shown, text } = await configShown({
      url: 'postgres://app:p@ss@w0rd@db.internal:5432/app',
      two: 'redis://:s3@cr3t@cache:6379 and amqp://guest:gu@st@mq/',
    });
    expect(shown.url).to.equal(`postgres://app:${MASK}@db.internal:5432/app`);
    expect(shown.two).to.equal(`redis://:${MASK}@cache:6379 and amqp://guest:${MASK}@mq/`);
    for (const secret of ['ss@w0rd', 'w0rd', 'cr3t', 'st@mq']) expect(text).to.not.include(secret);
  });

  it('masks secrets inside JSON held in a string (NODE_CONFIG) by the key rules', async () => {
    const { shown, text } = await configShown({
      NODE_CONFIG: JSON.stringify({
        db: { host: 'db', password: 'js0npass' },
        api: { token: 'js0ntoken' },
        port: 5432,
      }),
      list: ' [{"apiKey":"k1"},{"name":"x"}]',
      notJson: '{ not json',
    });
    expect(JSON.parse(shown.NODE_CONFIG as string)).to.deep.equal({
      db: { host: 'db', password: MASK },
      api: { token: MASK },
      port: 5432,
    });
    expect(JSON.parse(shown.list as string)).to.deep.equal([{ apiKey: MASK }, { name: 'x' }]);
    expect(shown.notJson).to.equal('{ not json');
    for (const secret of ['js0npass', 'js0ntoken', 'k1']) expect(text).to.not.include(secret);
  });

  it('masks well-known token shapes wherever they appear, under any key', async () => {
    const tokens = {
      github: `ghp_${'a'.repeat(36)}`,
      githubFine: `github_pat_11ABCDEFG0${'x'.repeat(60)}`,
      stripe: `sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`,
      slack: 'xoxb-1234567890-0987654321-AbCdEfGhIjKl',
      aws: 'AKIAIOSFODNN7EXAMPLE',
      jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      gitlab: 'glpat-AbCdEfGhIjKlMnOpQrSt12',
      npm: `npm_${'b'.repeat(36)}`,
      google: `AIza${'c'.repeat(35)}`,
      pem: '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----',
    };
    const sentryKey = 'abcdef0123456789abcdef0123456789';
    const { shown, text } = await configShown({
      ...Object.fromEntries(Object.entries(tokens).map(([name, token]) => [name, `use ${token} here`])),
      dsn: `https://${sentryKey}@o123.ingest.sentry.io/42`,
      plain: 'a sentence with ghp_short and AKIA lowercase words',
      prose: 'Basic authentication with Bearer tokens',
      header: 'Authorization: Bearer abc.def-ghi_jkl',
      basic: 'curl -H "Authorization: Basic dXNlcjpwYXNzd29yZA=="',
    });
    for (const name of Object.keys(tokens)) expect(shown[name], name).to.equal(`use ${MASK} here`);
    expect(shown.dsn).to.equal(`https://${MASK}@o123.ingest.sentry.io/42`);
    expect(shown.plain).to.equal('a sentence with ghp_short and AKIA lowercase words');
    expect(shown.prose).to.equal('Basic authentication with Bearer tokens');
    expect(shown.header).to.equal(`Authorization: Bearer ${MASK}`);
    expect(shown.basic).to.equal(`curl -H "Authorization: Basic ${MASK}"`);
    for (const token of [...Object.values(tokens), sentryKey, 'abc.def-ghi_jkl', 'dXNlcjpwYXNzd29yZA'])
      expect(text).to.not.include(token);
  });
});

describe('environment() and its secret', () => {
  it('logs a refused request at warn, as health() does, naming the address and never what was sent', async () => {
    const logger = recordingLogger();
    const app = new Koa().use(environment({ secret: 's3cret', logger }));
    await request(app.callback()).get('/environment?auth=wrong-guess').expect(401);
    await request(app.callback()).get('/environment').set('Authorization', 'Bearer s3cret').expect(200);
    expect(logger.lines).to.have.length(1);
    expect(logger.lines[0]![0]).to.equal('warn');
    expect(logger.lines[0]![1]).to.match(
      /^koa-health: refused an environment request without the right secret from \S+$/,
    );
    expect(logger.lines[0]![1]).to.not.include('wrong-guess');
  });

  it('answers a query string too long with 414, as health() and its probes do: one rule for all', async () => {
    const app = new Koa().use(environment({ secret: 's' }));
    await request(app.callback())
      .get(`/environment?auth=${'x'.repeat(3000)}`)
      .expect(414, 'query string too long');
    const { makeApp } = await import('../helpers.js');
    const health = makeApp().app.callback();
    for (const path of ['/health', '/health/ready'])
      await request(health)
        .get(`${path}?x=${'y'.repeat(3000)}`)
        .expect(414);
  });

  it('refuses ?auth= given twice with 400, as health() does', async () => {
    const app = new Koa().use(environment({ secret: 's' }));
    await request(app.callback()).get('/environment?auth=s&auth=s').expect(400, '"auth" must be given once, as text');
    await request(app.callback()).get('/environment?auth=s').expect(200);
  });
});
