import { QueryClient, QueryClientProvider, useQueryClient } from '@tanstack/react-query';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { api } from './api';
import { AccountPage } from './pages/account';
import { AccountClosurePage, ClosedAccountBanner } from './pages/account-closure';
import { AdminRoutesPage } from './pages/admin';
import { AdminAccountPage } from './pages/admin-account';
import { AdminAccountsPage } from './pages/admin-accounts';
import { AdminCompliancePage } from './pages/admin-compliance';
import { AdminNumbersPage } from './pages/admin-numbers';
import { AdminPricesPage } from './pages/admin-prices';
import { AdminRulesPage } from './pages/admin-rules';
import { AdminSecurityPage } from './pages/admin-security';
import { AdminStaffPage } from './pages/admin-staff';
import { AuditPage } from './pages/audit';
import {
  ForgotPasswordPage,
  LoginPage,
  PrivacyPage,
  ResetPasswordPage,
  SignupPage,
  UnlockPage,
  VerifyEmailPage,
} from './pages/auth';
import { BillingPage } from './pages/billing';
import { CampaignEditorPage } from './pages/campaign-editor';
import { CampaignPage, CampaignsPage } from './pages/campaigns';
import { ContactEditPage, ContactsPage } from './pages/contacts';
import { DashboardPage } from './pages/dashboard';
import { DevelopersPage } from './pages/developers';
import { GroupsPage } from './pages/groups';
import { ImportPage } from './pages/imports';
import { InboxPage } from './pages/inbox';
import { MessagePage, MessagesPage } from './pages/messages';
import { NoticesBadge, NoticesPage } from './pages/notices';
import { PricesPage } from './pages/prices';
import { PrivacyToolsPage } from './pages/privacy-tools';
import { AdminReportsPage, ReportsPage } from './pages/reports';
import { ScheduledPage } from './pages/scheduled';
import { SendPage } from './pages/send';
import { SuppressionsPage } from './pages/suppressions';
import { SuspendedAccountBanner } from './pages/suspended-banner';
import { TeamPage } from './pages/team';
import { TemplatesPage } from './pages/templates';
import { UnverifiedEmailBanner } from './pages/verify-banner';
import { PolicyGate } from './policy-gate';
import { Link, navigate, Redirect, useLocation } from './router';
import { useMe, useStaff } from './session';
import './styles.css';

const CLIENT_NAV = [
  { to: '/', label: 'Dashboard' },
  { to: '/send', label: 'Send' },
  { to: '/messages', label: 'Messages' },
  { to: '/reports', label: 'Reports' },
  { to: '/inbox', label: 'Inbox' },
  { to: '/campaigns', label: 'Campaigns' },
  { to: '/contacts', label: 'Contacts' },
  { to: '/groups', label: 'Groups' },
  { to: '/suppressions', label: 'Suppressions' },
  { to: '/team', label: 'Team' },
  { to: '/account', label: 'Account' },
  { to: '/billing', label: 'Billing' },
  { to: '/audit', label: 'Audit log', permission: 'audit:read' },
  { to: '/developers', label: 'Developers' },
  { to: '/privacy-tools', label: 'Privacy', permission: 'privacy:manage' },
  { to: '/notices', label: 'Notices' },
];
const ADMIN_NAV = [
  { to: '/admin', label: 'Routes' },
  { to: '/admin/accounts', label: 'Accounts' },
  { to: '/admin/reports', label: 'Reports' },
  { to: '/admin/prices', label: 'Prices' },
  { to: '/admin/routing-rules', label: 'Routing rules' },
  { to: '/admin/numbers', label: 'Numbers' },
  { to: '/admin/compliance', label: 'Compliance' },
  { to: '/admin/staff', label: 'Staff' },
  { to: '/admin/security', label: 'Security' },
];

function Shell({
  nav,
  who,
  onLogout,
  children,
}: {
  nav: Array<{ to: string; label: string }>;
  who?: string | undefined;
  onLogout?: (() => void) | undefined;
  children: React.ReactNode;
}) {
  const { path } = useLocation();
  // On a phone the navigation collapses behind a Menu button; it closes again after each page change.
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (path) setOpen(false);
  }, [path]);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      document.querySelector<HTMLElement>('.menu-toggle')?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open]);
  return (
    <>
      <a href="#main" className="skip">
        Skip to content
      </a>
      <header className="top">
        <Link to={nav[0]?.to ?? '/'} className="brand">
          smsgate
        </Link>
        {nav.length > 0 ? (
          <button
            type="button"
            className="menu-toggle"
            aria-expanded={open}
            aria-controls="main-nav"
            onClick={() => setOpen(!open)}
          >
            Menu
          </button>
        ) : null}
        {nav.length > 0 ? (
          <nav aria-label="Main" id="main-nav" className={open ? 'open' : undefined}>
            <ul>
              {nav.map((n) => (
                <li key={n.to}>
                  <Link
                    to={n.to}
                    aria-current={
                      path === n.to || (n.to !== '/' && n.to !== '/admin' && path.startsWith(n.to))
                        ? 'page'
                        : undefined
                    }
                  >
                    {n.label}
                    {n.to === '/notices' ? <NoticesBadge /> : null}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
        ) : null}
        {onLogout ? (
          <div className="who">
            {who ? <span className="muted">{who}</span> : null}
            <button type="button" onClick={onLogout}>
              Log out
            </button>
          </div>
        ) : null}
      </header>
      <main id="main">{children}</main>
    </>
  );
}

function ClientArea({ path }: { path: string }) {
  const me = useMe();
  const client = useQueryClient();
  if (me.isPending) return <p className="loading">Loading…</p>;
  if (!me.data) return <Redirect to="/login" />;
  const logout = async () => {
    await api('POST', '/v1/auth/logout').catch(() => undefined);
    client.clear();
    navigate('/login');
  };
  const messageId = path.match(/^\/messages\/([^/]+)$/)?.[1];
  const contactId = path.match(/^\/contacts\/([^/]+)$/)?.[1];
  const campaignId = path.match(/^\/campaigns\/([^/]+)$/)?.[1];
  const editCampaignId = path.match(/^\/campaigns\/([^/]+)\/edit$/)?.[1];
  let page: React.ReactNode;
  if (path === '/') page = <DashboardPage />;
  else if (path === '/send') page = <SendPage />;
  else if (path === '/messages') page = <MessagesPage />;
  else if (path === '/messages/scheduled') page = <ScheduledPage />;
  else if (path === '/reports') page = <ReportsPage />;
  else if (messageId) page = <MessagePage id={decodeURIComponent(messageId)} />;
  else if (path === '/developers') page = <DevelopersPage />;
  else if (path === '/contacts') page = <ContactsPage />;
  else if (path === '/contacts/new') page = <ContactEditPage />;
  else if (path === '/contacts/import') page = <ImportPage />;
  else if (contactId) page = <ContactEditPage id={decodeURIComponent(contactId)} />;
  else if (path === '/groups') page = <GroupsPage />;
  else if (path === '/suppressions') page = <SuppressionsPage />;
  else if (path === '/inbox') page = <InboxPage />;
  else if (path === '/campaigns') page = <CampaignsPage />;
  else if (path === '/campaigns/new') page = <CampaignEditorPage />;
  else if (editCampaignId)
    page = <CampaignEditorPage key={editCampaignId} id={decodeURIComponent(editCampaignId)} />;
  else if (campaignId) page = <CampaignPage id={decodeURIComponent(campaignId)} />;
  else if (path === '/templates') page = <TemplatesPage />;
  else if (path === '/team') page = <TeamPage />;
  else if (path === '/account') page = <AccountPage />;
  else if (path === '/billing') page = <BillingPage />;
  else if (path === '/billing/prices') page = <PricesPage />;
  else if (path === '/audit') page = <AuditPage />;
  else if (path === '/privacy-tools') page = <PrivacyToolsPage />;
  else if (path === '/notices') page = <NoticesPage />;
  else if (path === '/account/close') page = <AccountClosurePage />;
  else page = <NotFound />;
  return (
    <Shell
      nav={CLIENT_NAV.filter((n) => !n.permission || me.data?.permissions.includes(n.permission))}
      who={me.data.account.name}
      onLogout={logout}
    >
      <PolicyGate me={me.data} onLogout={logout} />
      <ClosedAccountBanner me={me.data} />
      <SuspendedAccountBanner me={me.data} />
      <UnverifiedEmailBanner me={me.data} />
      {page}
    </Shell>
  );
}

function AdminArea({ path }: { path: string }) {
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
  let page: React.ReactNode;
  if (path === '/admin/security') page = <AdminSecurityPage />;
  else if (path === '/admin') page = <AdminRoutesPage />;
  else if (path === '/admin/accounts') page = <AdminAccountsPage />;
  else if (path === '/admin/reports') page = <AdminReportsPage />;
  else if (adminAccountId) page = <AdminAccountPage id={decodeURIComponent(adminAccountId)} />;
  else if (path === '/admin/staff') page = <AdminStaffPage />;
  else if (path === '/admin/prices') page = <AdminPricesPage />;
  else if (path === '/admin/routing-rules') page = <AdminRulesPage />;
  else if (path === '/admin/numbers') page = <AdminNumbersPage />;
  else if (path === '/admin/compliance' || path.startsWith('/admin/compliance/'))
    page = <AdminCompliancePage path={path} />;
  else page = <NotFound />;
  return (
    <Shell nav={ADMIN_NAV} who={`${staff.data.staff.email} (operator)`} onLogout={logout}>
      {page}
    </Shell>
  );
}

function NotFound() {
  return (
    <div>
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        <Link to="/">Go to the dashboard</Link>
      </p>
    </div>
  );
}

/** Pages that need no session. */
const PUBLIC_PAGES: Record<string, () => React.ReactNode> = {
  '/signup': () => <SignupPage />,
  '/login': () => <LoginPage />,
  '/admin/login': () => <LoginPage admin />,
  '/privacy': () => <PrivacyPage />,
  '/forgot-password': () => <ForgotPasswordPage />,
  '/reset-password': () => <ResetPasswordPage />,
  '/verify-email': () => <VerifyEmailPage />,
  '/unlock': () => <UnlockPage />,
};

function App() {
  const { path } = useLocation();
  const clean = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const publicPage = PUBLIC_PAGES[clean];
  if (publicPage) return <Shell nav={[]}>{publicPage()}</Shell>;
  if (clean === '/admin' || clean.startsWith('/admin/')) return <AdminArea path={clean} />;
  return <ClientArea path={clean} />;
}

const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: true } },
});

// Installable as an app (PWA): the worker only serves the app shell when the network is away.
if ('serviceWorker' in navigator && window.isSecureContext) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => undefined);
  });
}

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </StrictMode>,
  );
}
