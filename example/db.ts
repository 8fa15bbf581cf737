// Stands in for a real database client: set DB_DOWN=1 to see a failing check.
export const db = {
  async ping(signal: AbortSignal): Promise<true> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    signal.throwIfAborted();
    if (process.env.DB_DOWN === '1') throw new Error('connection refused');
    return true;
  },
};
