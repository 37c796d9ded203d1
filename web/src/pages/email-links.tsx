import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormEvent, ReactNode } from 'react';
import { api, problemFields } from '../api';
import { PageLayout } from '../components/page';
import { FormError, TextField } from '../forms';
import { Link, useLocation, usePageTitle } from '../router';

/** The pages the links of the e-mails open: a new password, a confirmed address, a lifted sign-in pause. */
function formValues(e: FormEvent<HTMLFormElement>): Record<string, FormDataEntryValue> {
  e.preventDefault();
  return Object.fromEntries(new FormData(e.currentTarget));
}

/**
 * What a page opened without the token of its e-mailed link says: the link was cut (a mail client
 * wrapping a long line, a partial copy), so the button alone, greyed out, would explain nothing.
 */
function IncompleteLink({ next }: { next: ReactNode }) {
  return (
    <p className="form-error" role="alert" data-testid="incomplete-link">
      This page needs the whole link from the e-mail, and the one you opened is incomplete. Open the link from
      the e-mail again, or copy all of it into the address bar. {next}
    </p>
  );
}

export function ResetPasswordPage() {
  usePageTitle('Set a new password');
  const { search } = useLocation();
  const token = search.get('token') ?? '';
  const confirm = useMutation({
    mutationFn: (password: string) =>
      api<void>('POST', '/v1/auth/password-reset/confirm', { token, password }),
  });
  const { fields, general } = problemFields(confirm.error);
  return (
    <PageLayout title="Set a new password" className="narrow">
      {confirm.isSuccess ? (
        <p className="card" role="status">
          Your password is changed. <Link to="/login">Log in</Link>
        </p>
      ) : (
        <form
          className="card"
          noValidate
          onSubmit={(e) => confirm.mutate(String(formValues(e).password ?? ''))}
        >
          <TextField
            label="New password"
            name="password"
            type="password"
            autoComplete="new-password"
            required
            error={fields.password ?? fields.token}
          />
          {token ? null : (
            <IncompleteLink
              next={
                <>
                  Or <Link to="/forgot-password">ask for a new link</Link>.
                </>
              }
            />
          )}
          <FormError message={general} />
          <button type="submit" className="primary" disabled={confirm.isPending || !token}>
            Set password
          </button>
        </form>
      )}
    </PageLayout>
  );
}

export function VerifyEmailPage() {
  usePageTitle('Confirm your e-mail');
  const { search } = useLocation();
  const token = search.get('token') ?? '';
  const client = useQueryClient();
  const verify = useMutation({
    mutationFn: () => api<void>('POST', '/v1/auth/verify-email', { token }),
    // The balance changes (free credits unlock): whatever was loaded before is stale.
    onSuccess: () => client.invalidateQueries(),
  });
  return (
    <PageLayout title="Confirm your e-mail" className="narrow">
      <div className="card">
        {verify.isSuccess ? (
          <p role="status">
            Your e-mail address is confirmed. <Link to="/">Go to the dashboard</Link>
          </p>
        ) : (
          <>
            <p>Confirm that this e-mail address is yours.</p>
            {token ? null : (
              <IncompleteLink
                next={
                  <>
                    Or <Link to="/login">log in</Link> and send the link again from the banner at the top.
                  </>
                }
              />
            )}
            <FormError message={problemFields(verify.error).general} />
            <button
              type="button"
              className="primary"
              disabled={verify.isPending || !token}
              onClick={() => verify.mutate()}
            >
              Confirm my e-mail
            </button>
          </>
        )}
      </div>
    </PageLayout>
  );
}

export function UnlockPage() {
  usePageTitle('Unlock sign-in');
  const { search } = useLocation();
  const token = search.get('token') ?? '';
  const unlock = useMutation({ mutationFn: () => api<void>('POST', '/v1/auth/unlock', { token }) });
  return (
    <PageLayout title="Unlock sign-in" className="narrow">
      <div className="card">
        {unlock.isSuccess ? (
          <p role="status">
            Signing in works again. <Link to="/login">Log in</Link> ·{' '}
            <Link to="/admin/login">Operator log in</Link>
          </p>
        ) : (
          <>
            <p>
              Too many wrong passwords or codes were tried for your sign-in, so it was paused. If that was
              you, lift the pause now. If it was not, consider changing your password after you log in.
            </p>
            {token ? null : (
              <IncompleteLink
                next={
                  <>
                    Or wait: the pause lifts by itself after 15 minutes without wrong tries.{' '}
                    <Link to="/login">Log in</Link>
                  </>
                }
              />
            )}
            <FormError message={problemFields(unlock.error).general} />
            <button
              type="button"
              className="primary"
              disabled={unlock.isPending || !token}
              onClick={() => unlock.mutate()}
            >
              Unlock sign-in
            </button>
          </>
        )}
      </div>
    </PageLayout>
  );
}
