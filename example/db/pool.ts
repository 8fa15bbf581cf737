// The app's database pool, when DATABASE_URL says where the database is: `npm start` works without one.
import pg from 'pg';

export const pool = process.env.DATABASE_URL
  ? // connectionTimeoutMillis: node-postgres waits forever for a connection by default.
    new pg.Pool({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 2000 })
  : undefined;
pool?.on('error', (error) => console.error(`database pool: ${error.message}`));
