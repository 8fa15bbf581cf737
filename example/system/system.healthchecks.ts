// Checks of this process and its host; discoverChecks() imports this module at startup.
import { registerCheck } from 'koa-health';
import { diskCheck, eventLoopCheck, memoryCheck } from 'koa-health/checks';

registerCheck('disk', diskCheck({ path: '/tmp', maxUsedRatio: 0.95 }));
registerCheck('memory', memoryCheck({ maxHeapUsedRatio: 0.9 }));
// Not critical: a slow loop is worth a WARN, not taking the instance out of rotation.
registerCheck('event-loop', eventLoopCheck({ maxDelay: 200 }), { critical: false });
