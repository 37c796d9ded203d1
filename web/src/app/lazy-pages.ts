import { type ComponentType, type LazyExoticComponent, lazy } from 'react';

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
const messaging = () => import('../areas/messaging');
const audience = () => import('../areas/audience');
const campaigns = () => import('../areas/campaigns');
const account = () => import('../areas/account');
const compliance = () => import('../areas/compliance');
const admin = () => import('../areas/admin');

export const SendPage = page(messaging, 'SendPage');
export const MessagesPage = page(messaging, 'MessagesPage');
export const MessagePage = page(messaging, 'MessagePage');
export const ScheduledPage = page(messaging, 'ScheduledPage');
export const ReportsPage = page(messaging, 'ReportsPage');
export const InboxPage = page(messaging, 'InboxPage');
export const KeywordsPage = page(messaging, 'KeywordsPage');
export const ContactsPage = page(audience, 'ContactsPage');
export const ContactEditPage = page(audience, 'ContactEditPage');
export const GroupsPage = page(audience, 'GroupsPage');
export const ImportPage = page(audience, 'ImportPage');
export const SuppressionsPage = page(audience, 'SuppressionsPage');
export const CampaignsPage = page(campaigns, 'CampaignsPage');
export const CampaignPage = page(campaigns, 'CampaignPage');
export const CampaignEditorPage = page(campaigns, 'CampaignEditorPage');
export const TemplatesPage = page(campaigns, 'TemplatesPage');
export const TeamPage = page(account, 'TeamPage');
export const AccountPage = page(account, 'AccountPage');
export const BillingPage = page(account, 'BillingPage');
export const PricesPage = page(account, 'PricesPage');
export const AccountClosurePage = page(account, 'AccountClosurePage');
export const DevelopersPage = page(account, 'DevelopersPage');
export const AuditPage = page(compliance, 'AuditPage');
export const PrivacyToolsPage = page(compliance, 'PrivacyToolsPage');
export const NoticesPage = page(compliance, 'NoticesPage');
export const AdminRoutesPage = page(admin, 'AdminRoutesPage');
export const AdminAccountsPage = page(admin, 'AdminAccountsPage');
export const AdminAccountPage = page(admin, 'AdminAccountPage');
export const AdminReportsPage = page(admin, 'AdminReportsPage');
export const AdminStaffPage = page(admin, 'AdminStaffPage');
export const AdminPricesPage = page(admin, 'AdminPricesPage');
export const AdminRulesPage = page(admin, 'AdminRulesPage');
export const AdminNumbersPage = page(admin, 'AdminNumbersPage');
export const AdminReviewPage = page(admin, 'AdminReviewPage');
export const AdminSecurityPage = page(admin, 'AdminSecurityPage');
export const AdminCompliancePage = page(admin, 'AdminCompliancePage');
export const AdminMarginsPage = page(admin, 'AdminMarginsPage');
export const AdminRouteCostsPage = page(admin, 'AdminRouteCostsPage');
