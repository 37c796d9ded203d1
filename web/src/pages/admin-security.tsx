import { accountKeys } from '../api/account';
import { PageLayout } from '../components/page';
import { usePageTitle } from '../router';
import { useStaff } from '../session';
import { TwoFactor } from './account';

/** The signed-in operator's own security: two-factor sign-in (required when STAFF_REQUIRE_2FA is on). */
export function AdminSecurityPage() {
  usePageTitle('Security');
  const staff = useStaff();
  const me = staff.data;
  if (!me) return <p className="loading">Loading…</p>;
  return (
    <PageLayout title="Security">
      {me.twoFactorEnrolmentRequired ? (
        <p className="card" role="alert" data-testid="staff-2fa-required">
          This server requires operators to use two-factor sign-in. Set it up below to reach the back office.
        </p>
      ) : null}
      <section className="card" aria-labelledby="staff-2fa" data-testid="staff-2fa">
        <h2 id="staff-2fa">Two-factor sign-in</h2>
        <TwoFactor
          enabled={me.staff.twoFactorEnabled}
          base="/v1/admin/auth/2fa"
          sessionKey={accountKeys.staffMe()}
        />
      </section>
    </PageLayout>
  );
}
