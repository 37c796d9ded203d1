#!/usr/bin/env node
// Builds the web app (web/dist) when it is missing or older than its sources; `npm start` runs this first.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const web = join(repo, 'web');
const built = join(web, 'dist', 'index.html');

function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let max = s.mtimeMs;
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

const sources = ['src', 'public', 'index.html', 'vite.config.ts'].map((p) => newest(join(web, p)));
const stale = !existsSync(built) || statSync(built).mtimeMs < Math.max(...sources);
if (!stale && !process.argv.includes('--force')) process.exit(0);

const vite = join(repo, 'node_modules', 'vite', 'bin', 'vite.js');
if (!existsSync(vite)) {
  console.error('web app not built and vite is not installed: run `npm install` first');
  process.exit(existsSync(built) ? 0 : 1);
}
console.log('Building the web app (web/dist)…');
const r = spawnSync(
  process.execPath,
  [vite, 'build', '--config', join(web, 'vite.config.ts'), '--logLevel', 'warn'],
  {
    cwd: repo,
    // Test runners set NODE_ENV=test, which would make Vite bundle React's development build.
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: 'inherit',
  },
);
process.exit(r.status ?? 1);
