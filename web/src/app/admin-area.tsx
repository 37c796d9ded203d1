import { useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { api } from '../api';
import { navigate, Redirect } from '../router';
import { useStaff } from '../session';
import {
  AdminAccountPage,
  AdminAccountsPage,
  AdminCompliancePage,
  AdminMarginsPage,
  AdminNumbersPage,
  AdminPricesPage,
  AdminReportsPage,
  AdminReviewPage,
  AdminRouteCostsPage,
  AdminRoutesPage,
  AdminRulesPage,
  AdminSecurityPage,
  AdminStaffPage,
} from './lazy-pages';
import { ADMIN_NAV } from './nav';
import { NotFound } from './not-found';
import { Shell } from './shell';

/** The back office: its page for the path, once an operator has signed in (and enrolled in 2FA if required). */
export function AdminArea({ path }: { path: string }) {
  const staff = useStaff();
  const client = useQueryClient();
  if (staff.isPending) return <p className="loading">Loading…</p>;
  if (!staff.data) return <Redirect to="/admin/login" />;
  const logout = async () => {
    await api('POST', '/v1/admin/auth/logout').catch(() => undefined);
    client.clear();
    navigate('/admin/login');
  };
  // Under STAFF_REQUIRE_2FA every other staff endpoint answers 403 until the operator enrols.
  if (staff.data.twoFactorEnrolmentRequired && path !== '/admin/security')
    return <Redirect to="/admin/security" />;
  const adminAccountId = path.match(/^\/admin\/accounts\/([^/]+)$/)?.[1];
  const costsRouteId = path.match(/^\/admin\/routes\/([^/]+)\/costs$/)?.[1];
  let page: ReactNode;
  if (path === '/admin/security') page = <AdminSecurityPage />;
  else if (path === '/admin') page = <AdminRoutesPage />;
  else if (path === '/admin/accounts') page = <AdminAccountsPage />;
  else if (path === '/admin/reports') page = <AdminReportsPage />;
  else if (path === '/admin/margins') page = <AdminMarginsPage />;
  else if (costsRouteId) page = <AdminRouteCostsPage id={decodeURIComponent(costsRouteId)} />;
  else if (adminAccountId) page = <AdminAccountPage id={decodeURIComponent(adminAccountId)} />;
  else if (path === '/admin/staff') page = <AdminStaffPage />;
  else if (path === '/admin/prices') page = <AdminPricesPage />;
  else if (path === '/admin/routing-rules') page = <AdminRulesPage />;
  else if (path === '/admin/numbers') page = <AdminNumbersPage />;
  else if (path === '/admin/review') page = <AdminReviewPage />;
  else if (path === '/admin/compliance' || path.startsWith('/admin/compliance/'))
    page = <AdminCompliancePage path={path} />;
  else page = <NotFound />;
  return (
    <Shell nav={ADMIN_NAV} who={`${staff.data.staff.email} (operator)`} onLogout={logout}>
      {page}
    </Shell>
  );
}
