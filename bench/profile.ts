// Profiles one in-process variant: node --cpu-prof --import tsx bench/profile.ts health 'koa-health'
import { inProcessGroups } from './inprocess.js';

const run = inProcessGroups()[process.argv[2] ?? 'health']![process.argv[3] ?? 'koa-health']!();
for (let i = 0; i < Number(process.env.ROUNDS ?? 40); i++) await run(20_000);
