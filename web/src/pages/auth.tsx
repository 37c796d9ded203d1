import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useMemo, useState } from 'react';
import { api, problemFields, setCsrf } from '../api';
import { PageLayout } from '../components/page';
import { browserLanguages, CountrySelect, guessCountry, useCountries } from '../countries';
import { FormError, TextField } from '../forms';
import { PolicyText } from '../policy-gate';
import { Link, navigate, usePageTitle } from '../router';
import { SIGNUP_EMAIL_KEY } from '../session';

interface SessionAnswer {
  csrfToken: string;
}

function formValues(e: FormEvent<HTMLFormElement>): Record<string, FormDataEntryValue> {
  e.preventDefault();
  return Object.fromEntries(new FormData(e.currentTarget));
}

/** Fields these forms show errors next to; an error about anything else is listed under the form. */
const SIGNUP_FIELDS = ['company', 'name', 'email', 'password', 'defaultCountry', 'acceptPolicy'] as const;
const LOGIN_FIELDS = ['email', 'password', 'totpCode'] as const;

export function SignupPage() {
  usePageTitle('Create your account');
  const client = useQueryClient();
  const signup = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<SessionAnswer>('POST', '/v1/signup', body),
    onSuccess: async (answer, body) => {
      // A sign-up with an address that already has an account answers alike (so it cannot be used to
      // find out who has one) but opens no session: the login page then says to look in the mailbox.
      sessionStorage.setItem(SIGNUP_EMAIL_KEY, String(body.email ?? ''));
      setCsrf('client', answer.csrfToken);
      await client.resetQueries();
      navigate('/?welcome=1');
    },
  });
  const { fields, general } = problemFields(signup.error, {}, SIGNUP_FIELDS);
  const countries = useCountries();
  // Preselected from the browser's languages until the user picks one (or "none").
  const guessed = useMemo(
    () =>
      countries.data
        ? (guessCountry(browserLanguages(), new Set(countries.data.map((c) => c.code))) ?? '')
        : '',
    [countries.data],
  );
  const [chosen, setChosen] = useState<string | null>(null);
  const country = chosen ?? guessed;
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    const v = formValues(e);
    signup.mutate({
      company: v.company,
      name: v.name,
      email: v.email,
      password: v.password,
      ...(country ? { defaultCountry: country } : {}),
      acceptPolicy: v.acceptPolicy === 'on',
    });
  };
  return (
    <PageLayout title="Create your account" className="narrow">
      <p>Start with free credits: no card needed.</p>
      <form onSubmit={onSubmit} noValidate className="card">
        <TextField
          label="Company"
          name="company"
          autoComplete="organization"
          required
          error={fields.company}
        />
        <TextField label="Your name" name="name" autoComplete="name" required error={fields.name} />
        <TextField
          label="E-mail"
          name="email"
          type="email"
          autoComplete="email"
          required
          error={fields.email}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          error={fields.password}
          hint="At least 10 characters; not your e-mail address."
        />
        <CountrySelect
          label="Country of your business"
          name="defaultCountry"
          countries={countries.data ?? []}
          value={country}
          onChange={(e) => setChosen(e.target.value)}
          noneLabel="Choose a country (optional)"
          error={fields.defaultCountry}
          hint="Numbers written without + and a country code are read as this country's. You can change it later under Account."
        />
        <div className="field checkbox">
          <input
            id="acceptPolicy"
            name="acceptPolicy"
            type="checkbox"
            aria-invalid={fields.acceptPolicy ? true : undefined}
            aria-describedby={fields.acceptPolicy ? 'acceptPolicy-err' : undefined}
          />
          <label htmlFor="acceptPolicy" className="beside-box">
            I accept the{' '}
            <a href="/privacy" target="_blank" rel="noopener">
              privacy policy and terms
            </a>
          </label>
          {fields.acceptPolicy ? (
            <p className="field-error" id="acceptPolicy-err" role="alert">
              {fields.acceptPolicy}
            </p>
          ) : null}
        </div>
        <FormError message={general} />
        <button type="submit" className="primary" disabled={signup.isPending}>
          {signup.isPending ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p>
        Already have an account? <Link to="/login">Log in</Link>
      </p>
    </PageLayout>
  );
}

export function LoginPage({ admin = false }: { admin?: boolean }) {
  usePageTitle(admin ? 'Operator log in' : 'Log in');
  const client = useQueryClient();
  const [needsCode, setNeedsCode] = useState(false);
  const [signupEmail] = useState(() => (admin ? null : sessionStorage.getItem(SIGNUP_EMAIL_KEY)));
  const login = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      api<SessionAnswer>('POST', admin ? '/v1/admin/auth/login' : '/v1/auth/login', body),
    onSuccess: async (answer) => {
      sessionStorage.removeItem(SIGNUP_EMAIL_KEY);
      setCsrf(admin ? 'admin' : 'client', answer.csrfToken);
      await client.resetQueries();
      navigate(admin ? '/admin' : '/');
    },
    onError: (e) => {
      if ((e as { code?: string }).code === 'two_factor_required') setNeedsCode(true);
    },
  });
  const { fields, general } = problemFields(login.error, {}, LOGIN_FIELDS);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    const v = formValues(e);
    login.mutate({
      email: v.email,
      password: v.password,
      ...(needsCode && v.totpCode ? { totpCode: String(v.totpCode).replace(/\s/g, '') } : {}),
    });
  };
  const codeMessage =
    fields.totpCode && login.error && (login.error as { code?: string }).code === 'two_factor_required'
      ? 'Enter the 6-digit code from your authenticator app.'
      : fields.totpCode;
  return (
    <PageLayout title={admin ? 'Operator log in' : 'Log in'} className="narrow">
      {signupEmail ? (
        <p className="card" role="status" data-testid="signup-check-mail">
          Check your mailbox ({signupEmail}). If this address already had an account, no new one was made: we
          e-mailed its owner how to log in or reset the password.
        </p>
      ) : null}
      {(login.error as { code?: string } | null)?.code === 'rate_limited' ? (
        <p className="muted" role="status">
          Signing in from here is paused after too many failed attempts. The account's owner was e-mailed a
          link that lifts the pause at once; otherwise try again in 15 minutes.
        </p>
      ) : null}
      <form onSubmit={onSubmit} noValidate className="card">
        <TextField
          label="E-mail"
          name="email"
          type="email"
          autoComplete="username"
          required
          error={fields.email}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          error={fields.password}
        />
        {needsCode ? (
          <TextField
            label="Two-factor code"
            name="totpCode"
            inputMode="numeric"
            autoComplete="one-time-code"
            autoFocus
            error={codeMessage}
          />
        ) : null}
        <FormError message={general} />
        <button type="submit" className="primary" disabled={login.isPending}>
          {login.isPending ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      {admin ? (
        <p>
          <Link to="/login">Client log in</Link>
        </p>
      ) : (
        <p>
          <Link to="/forgot-password">Forgot your password?</Link>
          <br />
          New here? <Link to="/signup">Create an account</Link> ·{' '}
          <Link to="/admin/login">Operator log in</Link>
        </p>
      )}
    </PageLayout>
  );
}

export function PrivacyPage() {
  usePageTitle('Privacy policy');
  return (
    <PageLayout title="Privacy policy and terms" className="narrow">
      <PolicyText
        fallback={
          <>
            <p>
              smsgate processes your account data (company, name, e-mail) to run your account, and the phone
              numbers and texts you send on your behalf, as a processor under the GDPR.
            </p>
            <p>
              Messages and delivery events are kept for the retention period your account sets and erased
              after it. You can search, export and erase the data held about any person, and close your
              account at any time.
            </p>
            <p>
              We record the version of this policy you accepted, when, and from which IP address.
              Sub-processors are listed by the operator of this platform.
            </p>
          </>
        }
      />
      <p>
        <Link to="/signup">Back to sign-up</Link>
      </p>
    </PageLayout>
  );
}

export function ForgotPasswordPage() {
  usePageTitle('Reset your password');
  const reset = useMutation({
    mutationFn: (email: string) => api<unknown>('POST', '/v1/auth/password-reset', { email }),
  });
  const { fields, general } = problemFields(reset.error);
  return (
    <PageLayout title="Reset your password" className="narrow">
      {reset.isSuccess ? (
        <p className="card" role="status">
          If an account uses that address, we have e-mailed it a link to set a new password. The link works
          for one hour.
        </p>
      ) : (
        <form className="card" noValidate onSubmit={(e) => reset.mutate(String(formValues(e).email ?? ''))}>
          <TextField
            label="E-mail"
            name="email"
            type="email"
            autoComplete="email"
            required
            error={fields.email}
          />
          <FormError message={general} />
          <button type="submit" className="primary" disabled={reset.isPending}>
            E-mail me a link
          </button>
        </form>
      )}
      <p>
        <Link to="/login">Back to log in</Link>
      </p>
    </PageLayout>
  );
}

// The pages an e-mailed link opens live beside these; the app imports every public page from here.
export { ResetPasswordPage, UnlockPage, VerifyEmailPage } from './email-links';
