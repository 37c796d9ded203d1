import './layers.css';
// Mantine's base styles and those of the components the app uses (not the whole library's).
import '@mantine/core/styles/baseline.layer.css';
import '@mantine/core/styles/default-css-variables.layer.css';
import '@mantine/core/styles/global.layer.css';
import '@mantine/core/styles/UnstyledButton.layer.css';
import '@mantine/core/styles/Button.layer.css';
import '@mantine/core/styles/Burger.layer.css';
import '@mantine/core/styles/Group.layer.css';
import '@mantine/core/styles/AppShell.layer.css';
import '@mantine/core/styles/NavLink.layer.css';
import '@mantine/core/styles/Paper.layer.css';
import '@mantine/core/styles/Overlay.layer.css';
import '@mantine/core/styles/ModalBase.layer.css';
import '@mantine/core/styles/Modal.layer.css';
import '@mantine/core/styles/CloseButton.layer.css';
import '@mantine/core/styles/Loader.layer.css';
import '@mantine/core/styles/Notification.layer.css';
import '@mantine/notifications/styles.layer.css';
import './styles.css';
import { AppShell, Burger, Button, createTheme, Group, MantineProvider, NavLink } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import {
  IconAddressBook,
  IconAlertTriangle,
  IconApi,
  IconBell,
  IconBuildingBank,
  IconCalendarTime,
  IconChartBar,
  IconClipboardList,
  IconCoin,
  IconCreditCard,
  IconFileImport,
  IconGavel,
  IconHome,
  IconInbox,
  IconLock,
  IconLogout,
  IconMessage,
  IconMessages,
  IconNumber,
  IconRoute,
  IconSend,
  IconSettings,
  IconSitemap,
  IconSpeakerphone,
  IconTemplate,
  IconUserCog,
  IconUserShield,
  IconUsers,
  IconUsersGroup,
} from '@tabler/icons-react';
import { QueryClient, QueryClientProvider, useQueryClient } from '@tanstack/react-query';
import {
  type ComponentType,
  type LazyExoticComponent,
  lazy,
  StrictMode,
  Suspense,
  useEffect,
  useState,
} from 'react';
import { createRoot } from 'react-dom/client';
import { api } from './api';
import { ClosedAccountBanner } from './pages/account-closure';
import {
  ForgotPasswordPage,
  LoginPage,
  PrivacyPage,
  ResetPasswordPage,
  SignupPage,
  UnlockPage,
  VerifyEmailPage,
} from './pages/auth';
import { DashboardPage } from './pages/dashboard';
import { NoticesBadge } from './pages/notices';
import { SuspendedAccountBanner } from './pages/suspended-banner';
import { UnverifiedEmailBanner } from './pages/verify-banner';
import { PolicyGate } from './policy-gate';
import { Link, navigate, Redirect, useLocation } from './router';
import { useMe, useStaff } from './session';

/**
 * One page of a lazily loaded area: each area (`./areas/*`) is one chunk, fetched when the first of its
 * pages is opened, so the main chunk holds only the shell, the sign-in pages and the dashboard.
 */
// biome-ignore lint/suspicious/noExplicitAny: React.lazy's own bound: any props
type AnyComponent = ComponentType<any>;
function page<K extends string, M extends { [P in K]: AnyComponent }>(
  load: () => Promise<M>,
  name: K,
): LazyExoticComponent<M[K]> {
  return lazy(async () => ({ default: (await load())[name] }));
}
const messaging = () => import('./areas/messaging');
const audience = () => import('./areas/audience');
const campaigns = () => import('./areas/campaigns');
const account = () => import('./areas/account');
const compliance = () => import('./areas/compliance');
const admin = () => import('./areas/admin');

const SendPage = page(messaging, 'SendPage');
const MessagesPage = page(messaging, 'MessagesPage');
const MessagePage = page(messaging, 'MessagePage');
const ScheduledPage = page(messaging, 'ScheduledPage');
const ReportsPage = page(messaging, 'ReportsPage');
const InboxPage = page(messaging, 'InboxPage');
const ContactsPage = page(audience, 'ContactsPage');
const ContactEditPage = page(audience, 'ContactEditPage');
const GroupsPage = page(audience, 'GroupsPage');
const ImportPage = page(audience, 'ImportPage');
const SuppressionsPage = page(audience, 'SuppressionsPage');
const CampaignsPage = page(campaigns, 'CampaignsPage');
const CampaignPage = page(campaigns, 'CampaignPage');
const CampaignEditorPage = page(campaigns, 'CampaignEditorPage');
const TemplatesPage = page(campaigns, 'TemplatesPage');
const TeamPage = page(account, 'TeamPage');
const AccountPage = page(account, 'AccountPage');
const BillingPage = page(account, 'BillingPage');
const PricesPage = page(account, 'PricesPage');
const AccountClosurePage = page(account, 'AccountClosurePage');
const DevelopersPage = page(account, 'DevelopersPage');
const AuditPage = page(compliance, 'AuditPage');
const PrivacyToolsPage = page(compliance, 'PrivacyToolsPage');
const NoticesPage = page(compliance, 'NoticesPage');
const AdminRoutesPage = page(admin, 'AdminRoutesPage');
const AdminAccountsPage = page(admin, 'AdminAccountsPage');
const AdminAccountPage = page(admin, 'AdminAccountPage');
const AdminReportsPage = page(admin, 'AdminReportsPage');
const AdminStaffPage = page(admin, 'AdminStaffPage');
const AdminPricesPage = page(admin, 'AdminPricesPage');
const AdminRulesPage = page(admin, 'AdminRulesPage');
const AdminNumbersPage = page(admin, 'AdminNumbersPage');
const AdminSecurityPage = page(admin, 'AdminSecurityPage');
const AdminCompliancePage = page(admin, 'AdminCompliancePage');

interface NavItem {
  to: string;
  label: string;
  icon: ComponentType<{ size?: number; stroke?: number }>;
  permission?: string;
}
interface NavSection {
  /** No title: the section stands first, above the titled ones. */
  title?: string;
  items: NavItem[];
}

const CLIENT_NAV: NavSection[] = [
  { items: [{ to: '/', label: 'Dashboard', icon: IconHome }] },
  {
    title: 'Messaging',
    items: [
      { to: '/send', label: 'Send', icon: IconSend },
      { to: '/messages', label: 'Messages', icon: IconMessages },
      { to: '/inbox', label: 'Inbox', icon: IconInbox },
      { to: '/messages/scheduled', label: 'Scheduled', icon: IconCalendarTime },
      { to: '/reports', label: 'Reports', icon: IconChartBar },
    ],
  },
  {
    title: 'Audience',
    items: [
      { to: '/contacts', label: 'Contacts', icon: IconAddressBook },
      { to: '/groups', label: 'Groups', icon: IconUsersGroup },
      { to: '/contacts/import', label: 'Imports', icon: IconFileImport },
      { to: '/suppressions', label: 'Suppressions', icon: IconAlertTriangle },
    ],
  },
  {
    title: 'Campaigns',
    items: [
      { to: '/campaigns', label: 'Campaigns', icon: IconSpeakerphone },
      { to: '/templates', label: 'Templates', icon: IconTemplate },
    ],
  },
  { title: 'Developers', items: [{ to: '/developers', label: 'API keys & webhooks', icon: IconApi }] },
  {
    title: 'Account',
    items: [
      { to: '/team', label: 'Team', icon: IconUsers },
      { to: '/billing', label: 'Billing', icon: IconCreditCard },
      { to: '/billing/prices', label: 'Prices', icon: IconCoin },
      { to: '/account', label: 'Account', icon: IconSettings },
    ],
  },
  {
    title: 'Compliance',
    items: [
      { to: '/privacy-tools', label: 'Privacy', icon: IconLock, permission: 'privacy:manage' },
      { to: '/audit', label: 'Audit log', icon: IconClipboardList, permission: 'audit:read' },
      { to: '/notices', label: 'Notices', icon: IconBell },
    ],
  },
];
const ADMIN_NAV: NavSection[] = [
  {
    title: 'Customers',
    items: [
      { to: '/admin/accounts', label: 'Accounts', icon: IconBuildingBank },
      { to: '/admin/reports', label: 'Reports', icon: IconChartBar },
    ],
  },
  {
    title: 'Traffic',
    items: [
      { to: '/admin', label: 'Routes', icon: IconRoute },
      { to: '/admin/routing-rules', label: 'Routing rules', icon: IconSitemap },
      { to: '/admin/prices', label: 'Prices', icon: IconCoin },
      { to: '/admin/numbers', label: 'Numbers', icon: IconNumber },
    ],
  },
  {
    title: 'Platform',
    items: [
      { to: '/admin/staff', label: 'Staff', icon: IconUserCog },
      { to: '/admin/security', label: 'Security', icon: IconUserShield },
      { to: '/admin/compliance', label: 'Compliance', icon: IconGavel },
    ],
  },
];

/** The item a path belongs to: the longest `to` that is the path or a folder above it. */
function activeItem(sections: NavSection[], path: string): string | undefined {
  let best: string | undefined;
  for (const s of sections)
    for (const i of s.items) {
      const hit = path === i.to || (i.to !== '/' && i.to !== '/admin' && path.startsWith(`${i.to}/`));
      if (hit && (!best || i.to.length > best.length)) best = i.to;
    }
  return best;
}

function Shell({
  nav,
  who,
  onLogout,
  children,
}: {
  nav: NavSection[];
  who?: string | undefined;
  onLogout?: (() => void) | undefined;
  children: React.ReactNode;
}) {
  const { path } = useLocation();
  // On a phone the sidebar collapses behind a Menu (burger) button; it closes again after each page change.
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
  const hasNav = nav.length > 0;
  const active = activeItem(nav, path);
  const home = nav[0]?.items[0]?.to ?? '/';
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={hasNav ? { width: 232, breakpoint: 'sm', collapsed: { mobile: !open } } : undefined}
      padding="md"
      // No slide on load or resize (the phone menu's slide is in styles.css).
      transitionDuration={0}
    >
      <a href="#main" className="skip">
        Skip to content
      </a>
      <AppShell.Header className="top">
        <Group h="100%" px="md" gap="sm" wrap="nowrap">
          {hasNav ? (
            <Burger
              className="menu-toggle"
              opened={open}
              onClick={() => setOpen(!open)}
              hiddenFrom="sm"
              size="sm"
              color="white"
              aria-label="Menu"
              aria-expanded={open}
              aria-controls="main-nav"
            />
          ) : null}
          <Link to={home} className="brand">
            <IconMessage size={22} stroke={2} aria-hidden="true" />
            smsgate
          </Link>
          {onLogout ? (
            <div className="who">
              {who ? <span className="who-name">{who}</span> : null}
              <Button
                variant="white"
                size="xs"
                onClick={onLogout}
                leftSection={<IconLogout size={16} aria-hidden="true" />}
              >
                Log out
              </Button>
            </div>
          ) : null}
        </Group>
      </AppShell.Header>
      {hasNav ? (
        <AppShell.Navbar
          component="nav"
          id="main-nav"
          aria-label="Main"
          className="sidebar"
          data-closed={open ? undefined : true}
        >
          <div className="sidebar-scroll">
            {nav.map((section) => (
              <div className="nav-section" key={section.title ?? 'top'}>
                {section.title ? <div className="nav-section-title">{section.title}</div> : null}
                {section.items.map((n) => {
                  const Icon = n.icon;
                  return (
                    <NavLink
                      key={n.to}
                      component={Link}
                      to={n.to}
                      label={n.label}
                      active={active === n.to}
                      aria-current={active === n.to ? 'page' : undefined}
                      leftSection={<Icon size={18} stroke={1.6} />}
                      rightSection={n.to === '/notices' ? <NoticesBadge /> : null}
                    />
                  );
                })}
              </div>
            ))}
            {who ? <p className="nav-who">{who}</p> : null}
          </div>
        </AppShell.Navbar>
      ) : null}
      <AppShell.Main id="main">
        <div className="page">
          <Suspense fallback={<p className="loading">Loading…</p>}>{children}</Suspense>
        </div>
      </AppShell.Main>
    </AppShell>
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
  const permissions = me.data.permissions;
  const nav = CLIENT_NAV.map((s) => ({
    ...s,
    items: s.items.filter((n) => !n.permission || permissions.includes(n.permission)),
  })).filter((s) => s.items.length > 0);
  return (
    <Shell nav={nav} who={me.data.account.name} onLogout={logout}>
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

const theme = createTheme({
  primaryColor: 'blue',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  defaultRadius: 'md',
});

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
      <MantineProvider theme={theme}>
        <Notifications position="top-right" />
        <QueryClientProvider client={queryClient}>
          <App />
        </QueryClientProvider>
      </MantineProvider>
    </StrictMode>,
  );
}
