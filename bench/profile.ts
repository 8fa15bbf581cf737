// Profiles one in-process variant: node --cpu-prof --import tsx bench/profile.ts "health koa-health"
import { inProcessVariants } from './inprocess.js';
const run = inProcessVariants()[process.argv[2] ?? 'health koa-health']!();
for (let i = 0; i < 40; i++) await run(20_000);
