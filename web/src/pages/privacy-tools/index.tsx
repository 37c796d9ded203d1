// The client's Privacy tools: one section per file beside this one.

import { PageLayout } from '../../components/page';
import { Link, usePageTitle } from '../../router';
import { useMe } from '../../session';
import { AuditSection } from './audit';
import { RegisterSection } from './register';
import { RequestInbox } from './requests';
import { SubjectSearch } from './subject-search';

export function PrivacyToolsPage() {
  usePageTitle('Privacy tools');
  const me = useMe();
  const can = (p: string) => me.data?.permissions.includes(p) ?? false;
  return (
    <PageLayout title="Privacy tools">
      <nav aria-label="On this page" className="toolbar">
        <a href="#search-title">Find a person</a>
        <a href="#requests-title">Requests</a>
        <a href="#register-title">Register</a>
        <a href="#audit-title">Audit trail</a>
        <Link to="/account/close">Close the account</Link>
      </nav>
      {can('privacy:manage') ? (
        <>
          <SubjectSearch />
          <RequestInbox />
        </>
      ) : (
        <p className="card">Only owners and admins can search, export and erase people's data.</p>
      )}
      {can('audit:read') ? (
        <>
          <RegisterSection />
          <AuditSection />
        </>
      ) : null}
    </PageLayout>
  );
}
