import type { Me } from '../api';

/** On every page of a suspended account: what happened and what it means for sending. */
export function SuspendedAccountBanner({ me }: { me: Me }) {
  if (me.account.status !== 'suspended') return null;
  return (
    <section
      className="notice suspended-banner"
      role="status"
      aria-labelledby="suspended-banner-title"
      data-testid="suspended-banner"
    >
      <h2 id="suspended-banner-title">This account is suspended</h2>
      <p>
        The operator has suspended it: new messages and campaigns are refused (the API answers 403{' '}
        <code>account_suspended</code>) until the suspension is lifted. Your contacts, messages and settings
        are kept, and you can still read them. Contact the operator to find out why.
      </p>
    </section>
  );
}
