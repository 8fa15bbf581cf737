// Before `npm start`: builds only when something the build reads is newer than the last build, so that the
// example answers in a second or two when nothing changed. `npm run build` leaves its stamp in dist/.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const stamp = join(root, 'dist/.built');
const inputs = ['src', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build-cjs.mjs'];

/** The newest modification time under `path`, a file or a folder. */
function newest(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(info.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const builtAt = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
if (inputs.some((input) => newest(join(root, input)) > builtAt)) {
  // The same build as `npm run build`, through the npm that runs this script.
  execFileSync(process.execPath, [process.env.npm_execpath, 'run', 'build'], { cwd: root, stdio: 'inherit' });
}
