import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { environment, MASK } from '../../src/index.js';

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

describe('environment() and its secret', () => {
  it('refuses ?auth= given twice with 400, as health() does', async () => {
    const app = new Koa().use(environment({ secret: 's' }));
    await request(app.callback()).get('/environment?auth=s&auth=s').expect(400, '"auth" must be given once, as text');
    await request(app.callback()).get('/environment?auth=s').expect(200);
  });
});
