// The back office's Compliance page: a sub-navigation and one section per file beside this one.

import { PageLayout } from '../../components/page';
import { Link, usePageTitle } from '../../router';
import { IncidentsSection } from './incidents';
import { PolicySection } from './policy';
import { RequestsSection } from './requests';
import { RetentionSection } from './retention';
import { SubProcessorsSection } from './sub-processors';

const SECTIONS = [
  { to: '/admin/compliance', label: 'Sub-processors' },
  { to: '/admin/compliance/incidents', label: 'Incidents' },
  { to: '/admin/compliance/requests', label: 'Privacy requests' },
  { to: '/admin/compliance/retention', label: 'Retention' },
  { to: '/admin/compliance/policy', label: 'Policy' },
];

export function AdminCompliancePage({ path }: { path: string }) {
  const section = SECTIONS.find((s) => s.to === path) ?? SECTIONS[0];
  usePageTitle(`Compliance: ${section?.label ?? ''}`);
  return (
    <PageLayout title="Compliance">
      <nav aria-label="Compliance" className="subnav">
        <ul>
          {SECTIONS.map((s) => (
            <li key={s.to}>
              <Link to={s.to} aria-current={s.to === section?.to ? 'page' : undefined}>
                {s.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {path === '/admin/compliance/incidents' ? (
        <IncidentsSection />
      ) : path === '/admin/compliance/requests' ? (
        <RequestsSection />
      ) : path === '/admin/compliance/retention' ? (
        <RetentionSection />
      ) : path === '/admin/compliance/policy' ? (
        <PolicySection />
      ) : (
        <SubProcessorsSection />
      )}
    </PageLayout>
  );
}
