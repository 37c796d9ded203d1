import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, problemFields } from '../api';
import { accountKeys, type Settings, useSettings } from '../api/account';
import { PageLayout } from '../components/page';
import { CopyButton } from '../copy';
import { CountrySelect, useCountries } from '../countries';
import { FormError, TextField } from '../forms';
import { QrCode } from '../qr-code';
import { Link, usePageTitle } from '../router';
import { useMe } from '../session';

interface TwoFactorSetup {
  secret: string;
  otpauthUrl: string;
}

/** The code field of both 2FA forms: a wrong code answers 401 `invalid_two_factor_code`. */
const CODE_FIELDS = { invalid_two_factor_code: 'code', invalid_totp: 'code', two_factor_required: 'code' };

function SettingsForm({ settings, canChange }: { settings: Settings; canChange: boolean }) {
  const client = useQueryClient();
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<Settings>('PATCH', '/v1/account/settings', body),
    onSuccess: () => {
      setSaved(true);
      return client.invalidateQueries({ queryKey: accountKeys.settings() });
    },
  });
  const { fields, general } = problemFields(save.error);
  const countries = useCountries();
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setSaved(false);
    const data = new FormData(e.currentTarget);
    const country = String(data.get('defaultCountry') ?? '');
    const sender = String(data.get('defaultSender') ?? '').trim();
    save.mutate({
      defaultCountry: country || null,
      defaultSender: sender || null,
      maxSegments: Number(data.get('maxSegments')),
      smartEncoding: data.get('smartEncoding') === 'on',
    });
  };
  return (
    <form onSubmit={onSubmit} noValidate>
      {countries.data ? (
        <CountrySelect
          label="Default country"
          name="defaultCountry"
          countries={countries.data}
          defaultValue={settings.defaultCountry ?? ''}
          noneLabel="None: numbers need + and a country code"
          error={fields.defaultCountry}
          hint="Numbers written without + and a country code are read as this country's."
        />
      ) : null}
      <TextField
        label="Default sender"
        name="defaultSender"
        defaultValue={settings.defaultSender ?? ''}
        error={fields.defaultSender}
        hint={`Up to 11 letters or 15 digits. Empty: messages that name no sender go out from ${
          settings.sharedSender
            ? `${settings.sharedSender}, the operator's shared sender`
            : "the platform's name"
        }.`}
      />
      <TextField
        label="Longest message (parts)"
        name="maxSegments"
        type="number"
        min={1}
        max={20}
        defaultValue={settings.maxSegments}
        error={fields.maxSegments}
      />
      <div className="field checkbox">
        <input
          id="smart-encoding"
          name="smartEncoding"
          type="checkbox"
          defaultChecked={settings.smartEncoding}
        />
        <label htmlFor="smart-encoding">
          Smart encoding (replace typographic quotes and dashes so texts stay GSM-7)
        </label>
      </div>
      {settings.refundPolicy ? (
        <p className="muted">
          Refunds for undelivered messages: {settings.refundPolicy.replaceAll('_', ' ')}.
        </p>
      ) : null}
      <FormError message={general} />
      {saved ? (
        <p className="notice" role="status">
          Settings saved.
        </p>
      ) : null}
      {canChange ? (
        <button type="submit" className="primary" disabled={save.isPending}>
          Save settings
        </button>
      ) : (
        <p className="muted">Only owners and admins change these settings.</p>
      )}
    </form>
  );
}

/**
 * TOTP enrolment and switch-off, with the key as a QR code. Clients use `/v1/auth/2fa`; operator staff
 * the same form against `/v1/admin/auth/2fa` (`base`), refreshing their own session query.
 */
export function TwoFactor({
  enabled,
  base = '/v1/auth/2fa',
  sessionKey = accountKeys.me(),
}: {
  enabled: boolean;
  base?: string;
  /** The session query to refresh once 2FA changes (the client's by default; the staff page passes its own). */
  sessionKey?: readonly unknown[];
}) {
  const client = useQueryClient();
  const [setup, setSetup] = useState<TwoFactorSetup | null>(null);
  const start = useMutation({
    mutationFn: () => api<TwoFactorSetup>('POST', `${base}/setup`),
    onSuccess: setSetup,
  });
  const confirm = useMutation({
    mutationFn: ({ action, code }: { action: 'enable' | 'disable'; code: string }) =>
      api<void>('POST', `${base}/${action}`, { code }),
    onSuccess: () => {
      setSetup(null);
      return client.invalidateQueries({ queryKey: sessionKey });
    },
  });
  const { fields, general } = problemFields(confirm.error, CODE_FIELDS);
  const onSubmit = (action: 'enable' | 'disable') => (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const code = String(new FormData(form).get('code') ?? '').replace(/\s/g, '');
    confirm.mutate({ action, code }, { onSuccess: () => form.reset() });
  };
  const codeField = (
    <TextField
      label="6-digit code"
      name="code"
      inputMode="numeric"
      autoComplete="one-time-code"
      maxLength={10}
      required
      error={fields.code}
    />
  );
  if (enabled) {
    return (
      <>
        <p>
          <span className="badge badge-delivered">On</span> Logging in asks for a code from your authenticator
          app.
        </p>
        <form onSubmit={onSubmit('disable')} noValidate className="inline-form">
          {codeField}
          <button type="submit" className="danger" disabled={confirm.isPending}>
            Turn off 2FA
          </button>
        </form>
        <FormError message={general} />
      </>
    );
  }
  return (
    <>
      <p>
        <span className="badge">Off</span> Protect your login with a code from an authenticator app.
      </p>
      {setup ? (
        <>
          <ol className="steps">
            <li>
              Scan this code with your authenticator app:
              <QrCode
                text={setup.otpauthUrl}
                label="QR code of your two-factor key, for the authenticator app"
              />
              On this phone, <a href={setup.otpauthUrl}>open the key in your authenticator app</a> instead; or
              add it by hand with this key:
              <code className="secret" data-testid="totp-secret">
                {setup.secret}
              </code>
              <CopyButton text={setup.secret} label="the two-factor key" />
              <details>
                <summary>Show the setup URI</summary>
                <code className="secret" data-testid="otpauth-uri">
                  {setup.otpauthUrl}
                </code>
              </details>
            </li>
            <li>Enter the code the app shows to confirm.</li>
          </ol>
          <form onSubmit={onSubmit('enable')} noValidate className="inline-form">
            {codeField}
            <button type="submit" className="primary" disabled={confirm.isPending}>
              Turn on 2FA
            </button>
          </form>
          <FormError message={general} />
        </>
      ) : (
        <button type="button" onClick={() => start.mutate()} disabled={start.isPending}>
          Set up 2FA
        </button>
      )}
      <FormError message={problemFields(start.error).general} />
    </>
  );
}

export function AccountPage() {
  usePageTitle('Account');
  const me = useMe();
  const settings = useSettings();
  return (
    <PageLayout title="Account">
      {me.data ? (
        <dl className="details card">
          <dt>Company</dt>
          <dd>{me.data.account.name}</dd>
          <dt>You</dt>
          <dd>
            {me.data.user.name} ({me.data.user.email}), {me.data.role}
          </dd>
        </dl>
      ) : null}
      <section className="card" aria-labelledby="tfa-h">
        <h2 id="tfa-h">Two-factor authentication</h2>
        <TwoFactor enabled={me.data?.user.twoFactorEnabled === true} />
      </section>
      <section className="card" aria-labelledby="settings-h">
        <h2 id="settings-h">Messaging settings</h2>
        {settings.error ? <p role="alert">{(settings.error as Error).message}</p> : null}
        {settings.data ? (
          <SettingsForm
            settings={settings.data}
            canChange={me.data?.permissions.includes('team:manage') ?? false}
          />
        ) : null}
      </section>
      {me.data?.permissions.includes('account:manage') ? (
        <section className="card" aria-labelledby="close-h">
          <h2 id="close-h">Close the account</h2>
          <p>
            Sending stops at once; contacts are purged after 60 days and messages after 120 days. You can
            restore the account until then.
          </p>
          <Link to="/account/close">Close the account…</Link>
        </section>
      ) : null}
    </PageLayout>
  );
}
