import { useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { api } from '../api';
import { ClosedAccountBanner } from '../pages/account-closure';
import { DashboardPage } from '../pages/dashboard';
import { SuspendedAccountBanner } from '../pages/suspended-banner';
import { UnverifiedEmailBanner } from '../pages/verify-banner';
import { PolicyGate } from '../policy-gate';
import { navigate, Redirect } from '../router';
import { useMe } from '../session';
import {
  AccountClosurePage,
  AccountPage,
  AuditPage,
  BillingPage,
  CampaignEditorPage,
  CampaignPage,
  CampaignsPage,
  ContactEditPage,
  ContactsPage,
  DevelopersPage,
  GroupsPage,
  ImportPage,
  InboxPage,
  KeywordsPage,
  MessagePage,
  MessagesPage,
  NoticesPage,
  PricesPage,
  PrivacyToolsPage,
  ReportsPage,
  ScheduledPage,
  SendPage,
  SuppressionsPage,
  TeamPage,
  TemplatesPage,
} from './lazy-pages';
import { CLIENT_NAV } from './nav';
import { NotFound } from './not-found';
import { Shell } from './shell';

/** The client portal: its page for the path, under the banners that concern the whole account. */
export function ClientArea({ path }: { path: string }) {
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
  let page: ReactNode;
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
  else if (path === '/keywords') page = <KeywordsPage />;
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
