import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import Koa from 'koa';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { createHealthBus, type HealthOptions, health, outcome, registerCheck } from '../../src/index.js';
import { tempDir } from '../helpers.js';
import { launchChromium } from './browser.js';

const HOSTILE = '<img src=x onerror=alert(1)>';
const artifacts = new URL('../artifacts/', import.meta.url);

/** An app whose database check fails with hostile text once it has passed; migrations pass at startup. */
function pageApp(options: HealthOptions = {}) {
  const bus = createHealthBus();
  const state = { databaseUp: true, runs: 0 };
  registerCheck('migrations', () => true, { bus, tags: ['startup'], default: false });
  registerCheck(
    'database',
    () => {
      state.runs++;
      if (!state.databaseUp) throw new Error(`refused ${HOSTILE}`);
      return 'connected';
    },
    { bus, tags: ['ready'] },
  );
  registerCheck('cache', () => false, { bus, critical: false });
  const app = new Koa().use(health({ bus, disableFile: false, logger: false, startup: '@startup', ...options }));
  return { app, state };
}

describe('the status page, in a real browser', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let server: Server;
  let base: string;
  let state: { databaseUp: boolean; runs: number };

  before(async function () {
    browser = await launchChromium(this);
    const made = pageApp();
    state = made.state;
    server = made.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    mkdirSync(artifacts, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  it("shows each probe's answer and why, the checks, the history newest first, hostile text as text, and runs no script", async () => {
    // Startup passes; then the database goes down: a transition to show.
    await request(server).get('/health/ready').expect(200);
    state.databaseUp = false;
    await request(server).get('/health/ready').expect(503);
    const page = await browser!.newPage();
    const problems: string[] = [];
    page.on('dialog', (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      // The page answers with the status it reports (503 while a check fails), which Chromium notes: not a page error.
      if (!message.text().startsWith('Failed to load resource: the server responded with a status of 503')) {
        problems.push(`console ${message.type()}: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    const runsBefore = state.runs;
    const response = await page.goto(`${base}/health`);
    expect(response!.headers()['content-type']).to.equal('text/html; charset=utf-8');
    // A bare request runs nothing.
    expect(state.runs).to.equal(runsBefore);
    expect(await page.title()).to.equal('ERROR · health');
    const readyRow = await page.locator('tr', { hasText: '/health/ready' }).innerText();
    expect(readyRow).to.match(/503\s+✖ ERROR/);
    expect(readyRow).to.include('failing: database');
    const databaseRow = await page
      .locator('h2:has-text("Checks") + table tbody tr', { hasText: 'database' })
      .innerText();
    expect(databaseRow).to.include(`refused ${HOSTILE}`);
    // What the check itself said, and how many runs in a row.
    expect(databaseRow).to.match(/ERROR\s+×\d/);
    expect(await page.locator('img').count()).to.equal(0);
    expect(await page.locator('script').count()).to.equal(0);
    const history = await page.locator('h2:has-text("History") + table tbody tr').allInnerTexts();
    expect(history[0]).to.match(/database[\s\S]*OK → [\s\S]*ERROR/);
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.screenshot({ path: new URL('status-page-1440.png', artifacts).pathname, fullPage: true });
    await page.setViewportSize({ width: 375, height: 800 });
    await page.screenshot({ path: new URL('status-page-375.png', artifacts).pathname, fullPage: true });
    // Readable on a phone: no sideways scrolling.
    expect(await page.evaluate('document.documentElement.scrollWidth')).to.be.at.most(375);
    // "Run all checks now" runs them and shows that result.
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByRole('link', { name: 'Run all checks now' }).click();
    expect(page.url()).to.equal(`${base}/health?checks=all&format=html`);
    expect(state.runs).to.equal(runsBefore + 1);
    expect(await page.locator('tr', { hasText: 'this query' }).innerText()).to.match(
      /503\s+✖ ERROR[\s\S]*failing: database/,
    );
    expect(problems).to.deep.equal([]);
    await page.close();
  });

  it('draws a timeline of each check and of the overall status: a shape per status, time, status and message on hover and focus', async () => {
    const bus = createHealthBus();
    let up = true;
    registerCheck('payments', () => (up ? 'connected' : outcome('ERROR', 'refused <b>now</b>')), { bus });
    const app = new Koa().use(health({ bus, disableFile: false, logger: false, timeline: 5 }));
    const timelineServer = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => timelineServer.once('listening', resolve));
    const url = `http://127.0.0.1:${(timelineServer.address() as AddressInfo).port}`;
    try {
      for (const healthy of [true, true, false, false, true, false, true]) {
        up = healthy;
        await request(timelineServer).get('/health?checks=all');
      }
      const page = await browser!.newPage();
      await page.goto(`${url}/health`);
      const cells = page.locator('ol[aria-label="payments: recent results, oldest first"] li');
      // The last 5 results, oldest on the left: a shape each, so colour is not needed to read it.
      expect(await cells.allInnerTexts()).to.deep.equal(['✖', '✖', '✔', '✖', '✔']);
      expect(await cells.evaluateAll((items) => items.map((item) => item.className))).to.deep.equal([
        'c bad',
        'c bad',
        'c ok',
        'c bad',
        'c ok',
      ]);
      const overall = page.locator('ol[aria-label="overall: recent results, oldest first"] li');
      expect(await overall.count()).to.equal(5);
      expect(await overall.first().getAttribute('aria-label')).to.match(/ UTC · ERROR · failing: payments$/);
      // Keyboard: a cell takes focus and shows its time, status and message; nothing shows before.
      const tip = (index: number) =>
        cells.nth(index).evaluate((item) => {
          const view = globalThis as unknown as {
            getComputedStyle(element: unknown, pseudo: string): { getPropertyValue(name: string): string };
          };
          return view.getComputedStyle(item, '::after').getPropertyValue('content');
        });
      expect(await tip(3)).to.equal('none');
      await cells.nth(3).focus();
      expect(await tip(3)).to.match(/^"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC · ERROR · refused <b>now<\/b>"$/);
      // The mouse, too.
      await cells.nth(4).hover();
      expect(await tip(4)).to.match(/UTC · OK · connected"$/);
      // The message is text, never markup.
      expect(await page.locator('ol b').count()).to.equal(0);
      await page.screenshot({ path: new URL('status-page-timeline.png', artifacts).pathname, fullPage: true });
      await page.close();
    } finally {
      timelineServer.close();
    }
  });
});

describe('the status page over HTTP', () => {
  it('is sent with a CSP that allows its one style by hash and nothing else, and the other safety headers', async () => {
    const { app } = pageApp();
    const res = await request(app.callback()).get('/health?format=html').expect(200);
    const style = /<style>([\s\S]*?)<\/style>/.exec(res.text)![1]!;
    const { createHash } = await import('node:crypto');
    expect(res.headers['content-security-policy']).to.equal(
      `default-src 'none'; style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    expect(res.headers).to.include({
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    expect(res.text).to.match(/^<!doctype html><html lang="en">/);
    expect(res.text).to.include('<main>');
  });

  it('needs the secret as running checks does, keeps it in its link, and withholds messages as details says', async () => {
    const { app } = pageApp({ secret: 's3cret', details: 'never' });
    await request(app.callback()).get('/health?format=html').expect(401);
    const res = await request(app.callback()).get('/health?format=html&checks=all&auth=s3cret').expect(200);
    expect(res.text).to.include('href="/health?checks=all&#38;format=html&#38;auth=s3cret"');
    expect(res.text).to.not.include('connected');
    expect(res.text).to.include('<i>withheld</i>');
  });

  it('refreshes itself only when asked, between 5 s and an hour', async () => {
    const { app } = pageApp();
    expect((await request(app.callback()).get('/health?format=html').expect(200)).text).to.not.include(
      'http-equiv="refresh"',
    );
    for (const [asked, given] of [
      ['1', '5'],
      ['30', '30'],
      ['99999', '3600'],
    ]) {
      const res = await request(app.callback()).get(`/health?format=html&refresh=${asked}`).expect(200);
      expect(res.text).to.include(`<meta http-equiv="refresh" content="${given}">`);
    }
  });

  it('keeps the last transitions in a ring buffer of `history` entries, never more', async () => {
    const bus = createHealthBus();
    let flip = false;
    registerCheck('flapping', () => (flip = !flip), { bus });
    const app = new Koa().use(health({ bus, disableFile: false, logger: false, history: 3 }));
    for (let i = 0; i < 10; i++) await request(app.callback()).get('/health?checks=all');
    const res = await request(app.callback()).get('/health?format=html').expect(200);
    const historyTable = res.text.slice(res.text.indexOf('<h2>History</h2>'));
    expect(historyTable.match(/<tr><td/g)).to.have.length(3);
    expect(() => health({ history: -1 })).to.throw(TypeError, 'history');
  });
});

describe('the status page, against careless use', () => {
  it('never prints the secret as text: the query row shows the query without it; only the link keeps it', async () => {
    const { app } = pageApp({ secret: 's3cret' });
    const res = await request(app.callback()).get('/health?format=html&checks=all&auth=s3cret').expect(200);
    const withoutLinks = res.text.replace(/href="[^"]*"/g, '');
    expect(withoutLinks).to.not.include('s3cret');
    expect(res.text).to.include('/health?format=html&#38;checks=all</span>');
  });

  it('says MAINTENANCE in its title for every query while the disable file exists, ?checks=all included', async () => {
    const dir = tempDir();
    try {
      const disableFile = join(dir.dir, 'down');
      writeFileSync(disableFile, '');
      const { app } = pageApp({ disableFile });
      for (const query of ['', '&checks=all', '&checks=database']) {
        const res = await request(app.callback()).get(`/health?format=html${query}`).expect(299);
        expect(res.text).to.include('<title>MAINTENANCE · health</title>');
      }
    } finally {
      dir.remove();
    }
  });
});
