// A check module: importing it is enough to subscribe it to the shared bus.
import { healthBus } from 'koa-health';
import { db } from '../db.js';

healthBus.on('healthcheck', function databaseCheck(event) {
  // The async form: a deadline, an AbortSignal, and a thrown error becomes the message.
  void event.check('database', (signal) => db.ping(signal), { tags: ['ready'] });
});
