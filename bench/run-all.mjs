#!/usr/bin/env node
/**
 * `npm run bench`: runs every benchmark in bench/ (each `*.ts` file except the shared `lib.ts` and files
 * starting with `_`), one after another with `npx tsx`, and echoes the JSON lines each prints on stdout.
 * Their progress goes to stderr as it happens. Arguments are passed on to every benchmark; `--only NAME`
 * (repeatable, without `.ts`) runs just those. Exits with 1 when any benchmark failed (its lines, then
 * `{"bench":NAME,"error":…}`).
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

const args = process.argv.slice(2);
const only = [];
const passOn = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--only') only.push(args[++i]);
  else passOn.push(args[i]);
}

const benches = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f !== 'lib.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -'.ts'.length))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

function run(name) {
  return new Promise((resolve) => {
    const started = Date.now();
    process.stderr.write(`\n=== ${name} ===\n`);
    const child = spawn('npx', ['tsx', join('bench', `${name}.ts`), ...passOn], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('close', (code, signal) => {
      const seconds = Math.round((Date.now() - started) / 100) / 10;
      const lines = out.split('\n').filter((l) => l.trim().startsWith('{'));
      if (code === 0 && lines.length > 0) {
        for (const line of lines) process.stdout.write(`${line.trim()}\n`);
        process.stderr.write(`=== ${name}: ${seconds} s ===\n`);
        resolve(true);
      } else {
        // The lines a failing benchmark did print are results too (a multi-run bench prints one per run).
        for (const line of lines) process.stdout.write(`${line.trim()}\n`);
        const error = `exited with ${code ?? signal}${lines.length === 0 ? ', no JSON line' : ''}`;
        process.stdout.write(
          `${JSON.stringify({ bench: name, error, seconds, output: out.slice(-2000) })}\n`,
        );
        resolve(false);
      }
    });
  });
}

let failed = 0;
for (const name of benches) {
  if (!(await run(name))) failed++;
}
process.exitCode = failed > 0 ? 1 : 0;
