// The app's Redis client, when REDIS_URL says where Redis is.
import { Redis } from 'ioredis';

export const redis = process.env.REDIS_URL ? new Redis(process.env.REDIS_URL) : undefined;
redis?.on('error', (error: Error) => console.error(`redis: ${error.message}`));
