/**
 * What every part of identity shares: the accounts deps, where the policy in force comes from, sessions,
 * the sign-in guard, work done after the answer (mails), and the e-mail rule of every address.
 */

import { createBackground } from './background';
import type { AccountsDeps } from './deps';
import { createLoginGuard } from './login-guard';
import { createSessions } from './sessions';

/** Where the privacy policy in force comes from (the compliance module's published versions). */
export interface PolicySource {
  current(): Promise<{ version: string; publishedAt: string | null }>;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The deps, and what is built once from them for every part of identity. */
export interface IdentityContext extends AccountsDeps {
  policies: PolicySource | undefined;
  sessions: ReturnType<typeof createSessions>;
  guard: ReturnType<typeof createLoginGuard>;
  background: ReturnType<typeof createBackground>;
  loadUser(userId: string): ReturnType<typeof loadUserOf>;
}

function loadUserOf(deps: AccountsDeps, userId: string) {
  return deps.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
}

export function identityContext(deps: AccountsDeps, policies?: PolicySource): IdentityContext {
  return Object.assign({}, deps, {
    policies,
    sessions: createSessions(deps),
    guard: createLoginGuard(deps),
    background: createBackground(deps.log),
    loadUser: (userId: string) => loadUserOf(deps, userId),
  });
}
