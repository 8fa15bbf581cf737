// Rendering the status page: 50 checks, 100 history entries and a timeline of 30 results per check, in-process.
import { type PageModel, renderPage } from '../dist/ui/page.js';
import { median } from './stats.js';

/** Median ms to render a page of `checks` checks and `history` transitions. */
export function measureStatusPage(checks = 50, history = 100, rounds = 15, renders = 200, cells = 30): number {
  const now = Date.now();
  const timeline = Array.from({ length: cells }, (_, i) => ({
    at: now - (cells - i) * 10_000,
    status: i % 5 === 0 ? 'ERROR' : 'OK',
    message: i % 5 === 0 ? `refused <${i}>` : 'connected',
  }));
  const model: PageModel = {
    state: 'ERROR',
    now,
    details: true,
    refresh: undefined,
    availability: {
      readiness: 'ACCEPTING',
      liveness: 'CORRECT',
      startup: 'STARTED',
      reasons: { readiness: [], liveness: [], startup: [] },
    },
    shedding: undefined,
    runAllHref: '/health?checks=all&format=html',
    facts: { hostname: 'host', uptime: 3600, version: '0.1.0', refreshing: false },
    probes: ['bare', 'live', 'ready', 'startup'].map((probe) => ({
      probe,
      path: `/health/${probe}`,
      statusCode: 200,
      state: 'OK',
      reason: 'because',
    })),
    checks: Array.from({ length: checks }, (_, i) => ({
      name: `check-${i}`,
      status: i % 7 ? 'OK' : 'ERROR',
      observed: i % 7 ? 'OK' : 'ERROR',
      streak: 3,
      message: `message <${i}> & "quoted"`,
      duration: 12.5,
      lastChecked: now,
      since: now - 60_000,
      lastSuccess: now,
      lastFailure: undefined,
      consecutiveFailures: 0,
      critical: true,
      tags: ['ready', 'db'],
    })),
    transitions: Array.from({ length: history }, (_, i) => ({
      at: now - i * 1000,
      check: `check-${i % checks}`,
      from: 'OK',
      to: 'ERROR',
      message: `failure ${i}`,
    })),
    timeline: () => timeline,
    overall: timeline,
  };
  for (let i = 0; i < renders; i++) renderPage(model);
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < renders; i++) renderPage(model);
    samples.push(Number(process.hrtime.bigint() - started) / renders / 1e6);
  }
  return median(samples);
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(`${measureStatusPage().toFixed(3)} ms per render`);
