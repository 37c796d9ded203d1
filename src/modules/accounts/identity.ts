/**
 * Sign-up, login, sessions, e-mail verification, password reset and 2FA of client users. This file
 * composes the parts: sign-up, login (with the session's actor), policy consent, links mailed to a user
 * (e-mail confirmation, password reset, unlock) and 2FA enrolment.
 */
import type { AccountsDeps } from './deps';
import { createEmailLinks } from './email-links';
import { identityContext, type PolicySource } from './identity-shared';
import { createLogin } from './login';
import { createPolicyConsent } from './policy-consent';
import { createSignup } from './signup';
import { createTwoFactorEnrolment } from './two-factor-enrolment';

export function createIdentity(deps: AccountsDeps, policies?: PolicySource) {
  const ctx = identityContext(deps, policies);
  const policy = createPolicyConsent(ctx);
  const links = createEmailLinks(ctx);
  const signup = createSignup(ctx, { policy, links });
  const login = createLogin(ctx, policy);
  const twoFactor = createTwoFactorEnrolment(ctx);
  return {
    sessions: ctx.sessions,
    signup: signup.signup,
    login: login.login,
    policyStatus: policy.policyStatus,
    acceptPolicy: policy.acceptPolicy,
    logout: login.logout,
    actorFromSession: login.actorFromSession,
    me: login.me,
    verifyEmail: links.verifyEmail,
    resendVerification: links.resendVerification,
    requestPasswordReset: links.requestPasswordReset,
    unlock: links.unlock,
    /** Settles once the mails and look-ups started after earlier answers are done (tests, shutdown). */
    settled: () => ctx.background.settled(),
    resetPassword: links.resetPassword,
    startTwoFactor: twoFactor.startTwoFactor,
    enableTwoFactor: twoFactor.enableTwoFactor,
    disableTwoFactor: twoFactor.disableTwoFactor,
  };
}

export type Identity = ReturnType<typeof createIdentity>;
