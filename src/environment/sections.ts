/** The built-in sections of the environment dump. */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';

/** Platform, release, arch, hostname, uptime, load average, memory, CPU count. */
export function osSection(): object {
  return {
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    hostname: os.hostname(),
    uptime: os.uptime(),
    loadavg: os.loadavg(),
    totalmem: os.totalmem(),
    freemem: os.freemem(),
    cpus: os.availableParallelism?.() ?? os.cpus().length,
  };
}

/** pid, argv, cwd, user, uptime, memory usage and the environment variables (scrubbed on the way out). */
export function processSection(): object {
  let user: string | undefined;
  try {
    user = os.userInfo().username;
  } catch {
    // No passwd entry (some containers): the uid still says who.
    user = String(process.getuid?.() ?? 'unknown');
  }
  return {
    pid: process.pid,
    argv: process.argv,
    cwd: process.cwd(),
    user,
    uptime: process.uptime(),
    memoryUsage: process.memoryUsage(),
    env: { ...process.env },
  };
}

/** Node itself and the app's dependencies with the versions installed, read from package.json files. */
export async function nodeSection(packageJson: string): Promise<object> {
  const app = await readJson(packageJson);
  const wanted = { ...(app?.dependencies as object | undefined), ...(app?.devDependencies as object | undefined) };
  // A list of { name, version }: package names are not keys, so `jsonwebtoken` is not masked as a secret.
  const dependencies = await Promise.all(
    Object.keys(wanted)
      .sort()
      .map(async (name) => ({
        name,
        version: (await installedVersion(dirname(packageJson), name)) ?? 'not installed',
      })),
  );
  return {
    version: process.version,
    versions: process.versions,
    execPath: process.execPath,
    app: app ? { name: app.name, version: app.version } : null,
    dependencies,
  };
}

/** Looks for `node_modules/<name>/package.json` from the app's folder up, as Node resolves packages. */
async function installedVersion(from: string, name: string): Promise<string | undefined> {
  for (let dir = from; ; dir = dirname(dir)) {
    const found = await readJson(join(dir, 'node_modules', name, 'package.json'));
    if (typeof found?.version === 'string') return found.version;
    if (dirname(dir) === dir) return undefined;
  }
}

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
