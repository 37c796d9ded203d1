import { useMutation } from '@tanstack/react-query';
import { api, type Me, problemFields } from '../api';
import { FormError } from '../forms';

/**
 * On every page while the free sign-up credits wait for the owner's confirmed e-mail: why sending is
 * refused (`email_unverified`), and a button to have the link sent again.
 */
export function UnverifiedEmailBanner({ me }: { me: Me }) {
  const resend = useMutation({ mutationFn: () => api<void>('POST', '/v1/auth/resend-verification') });
  const locked = me.balance.locked ?? 0;
  if (locked <= 0) return null;
  const mine = me.user !== null && !me.user.emailVerified;
  return (
    <section className="notice" aria-labelledby="verify-banner-title" data-testid="verify-banner">
      <h2 id="verify-banner-title" className="notice-title">
        Confirm your e-mail to use your free credits
      </h2>
      {mine ? (
        <p>
          Your {locked} free credits can be spent once you open the link we e-mailed to{' '}
          <strong>{me.user?.email}</strong>. Credits you buy are not affected.
        </p>
      ) : (
        <p>The {locked} free credits can be spent once the account owner confirms their e-mail address.</p>
      )}
      {mine ? (
        resend.isSuccess ? (
          <p role="status">A new link is on its way. Check your inbox.</p>
        ) : (
          <>
            <FormError message={problemFields(resend.error).general} />
            <button type="button" disabled={resend.isPending} onClick={() => resend.mutate()}>
              {resend.isPending ? 'Sending…' : 'Send the link again'}
            </button>
          </>
        )
      ) : null}
    </section>
  );
}
