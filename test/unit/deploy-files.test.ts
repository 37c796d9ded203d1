import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_SCHEMA } from '../../src/config';

/**
 * The deployment files name only settings the program reads and files the repository has: they are not
 * run here (no container engine), so these checks keep them from drifting from the code.
 */
describe('deployment files', () => {
  it('deploy/compose.yaml runs the API and two workers on PostgreSQL and Redis with known settings', () => {
    const compose = parse(readFileSync('deploy/compose.yaml', 'utf8'), { merge: true }) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string> }>;
    };
    const smsgate = Object.entries(compose.services).filter(
      ([name]) => name === 'api' || name.startsWith('worker'),
    );
    expect(smsgate.map(([name]) => name).sort()).toEqual(['api', 'worker-1', 'worker-2']);
    expect(compose.services.api?.command).toEqual(['serve']);
    for (const [, service] of smsgate) {
      const env = service.environment ?? {};
      for (const name of Object.keys(env)) expect(Object.keys(CONFIG_SCHEMA), name).toContain(name);
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\//);
      expect(env.REDIS_URL).toMatch(/^redis:\/\/redis:6379/);
      expect(env.SECRETS_KEY).toContain('SECRETS_KEY');
    }
    expect(compose.services['worker-1']?.command).toEqual(['worker']);
  });

  it('the Dockerfile copies files that exist, runs as a user, checks /healthz and starts the CLI', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(copied.length).toBeGreaterThan(3);
    for (const path of copied) expect(existsSync(path), path).toBe(true);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('/healthz');
    expect(dockerfile).toContain('npm ci --omit=dev');
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", .*"bin\/smsgate\.mjs"\]$/m);
    for (const name of [...dockerfile.matchAll(/^\s+(\w+)=\S+ ?\\?$/gm)].map((m) => m[1]!))
      expect(Object.keys(CONFIG_SCHEMA), name).toContain(name);
  });

  it('the systemd unit starts the server from the checkout with its settings file', () => {
    const unit = readFileSync('deploy/smsgate.service', 'utf8');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node .*bin\/smsgate\.mjs serve$/m);
    expect(unit).toMatch(/^EnvironmentFile=-\/etc\/smsgate\/env$/m);
    expect(unit).toMatch(/^User=smsgate$/m);
  });
});
