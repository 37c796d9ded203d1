import { spawnSync } from 'node:child_process';

/** The server serves web/dist: build it when missing or stale (CI runs `npm run build:web` first). */
export default function setup() {
  const r = spawnSync(process.execPath, ['scripts/build-web-if-needed.mjs'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building the web app failed');
}
