// `npm run bench -- --quick`: the guard CI runs, in well under a minute. It fails only on a clear regression of
// a ratio, never on an absolute time (CI machines differ): koa-health's run of many checks against a
// hand-written loop over the same functions, and the app route's p99 with probes and with hanging checks
// against the same route alone, measured in the same run.
import { measureAppLatency } from './app-latency.js';
import { measureScale } from './scale.js';

/** How far each ratio may go before the guard fails: several times what the full bench measures. */
export const QUICK_LIMITS = {
  /** koa-health's run against the hand-written loop, 300 checks (the full bench measures about 4 to 6). */
  runVersusHandWritten: 20,
  /** The route's p99 with a probe flood (or hanging checks) against alone, when also more than 10 ms worse. */
  p99VersusAlone: 3,
  p99SlackMs: 10,
} as const;

export async function runQuick(): Promise<boolean> {
  const started = Date.now();
  const scale = await measureScale(300, 5, 20);
  const runRatio = scale.runUs / scale.handWrittenRunUs;
  const latency = await measureAppLatency({ apps: ['koa-health'], seconds: 2, rounds: 1 });
  const phases = latency.apps['koa-health'];
  const alone = phases.alone.p99;
  const lines: Array<[string, boolean]> = [
    [
      `300 checks, one run: ${(scale.runUs / 1000).toFixed(2)} ms against a hand-written ${(scale.handWrittenRunUs / 1000).toFixed(2)} ms: ${runRatio.toFixed(1)}× (limit ${QUICK_LIMITS.runVersusHandWritten}×); own cost ${scale.ownPerCheckUs} µs per check`,
      runRatio <= QUICK_LIMITS.runVersusHandWritten,
    ],
  ];
  for (const phase of ['probes', 'hanging'] as const) {
    const p99 = phases[phase].p99;
    const ok = p99 <= alone * QUICK_LIMITS.p99VersusAlone || p99 - alone <= QUICK_LIMITS.p99SlackMs;
    lines.push([
      `the app route's p99 ${phase === 'probes' ? 'beside a probe flood' : 'with the checks hanging'}: ${p99} ms against ${alone} ms alone (${(p99 / alone).toFixed(2)}×; limit ${QUICK_LIMITS.p99VersusAlone}× or +${QUICK_LIMITS.p99SlackMs} ms)`,
      ok,
    ]);
  }
  for (const [line, ok] of lines) console.log(`${ok ? 'ok  ' : 'FAIL'} ${line}`);
  console.log(`quick bench: ${Math.round((Date.now() - started) / 1000)} s`);
  return lines.every(([, ok]) => ok);
}
