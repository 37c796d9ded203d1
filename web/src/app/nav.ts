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
  IconMessageBolt,
  IconMessages,
  IconNumber,
  IconReportMoney,
  IconRoute,
  IconSend,
  IconSettings,
  IconShieldCheck,
  IconSitemap,
  IconSpeakerphone,
  IconTemplate,
  IconUserCog,
  IconUserShield,
  IconUsers,
  IconUsersGroup,
} from '@tabler/icons-react';
import type { ComponentType } from 'react';

export interface NavItem {
  to: string;
  label: string;
  icon: ComponentType<{ size?: number; stroke?: number }>;
  permission?: string;
}
export interface NavSection {
  /** No title: the section stands first, above the titled ones. */
  title?: string;
  items: NavItem[];
}

/** The client portal's sidebar; an item with a `permission` shows only to members who have it. */
export const CLIENT_NAV: NavSection[] = [
  { items: [{ to: '/', label: 'Dashboard', icon: IconHome }] },
  {
    title: 'Messaging',
    items: [
      { to: '/send', label: 'Send', icon: IconSend },
      { to: '/messages', label: 'Messages', icon: IconMessages },
      { to: '/inbox', label: 'Inbox', icon: IconInbox },
      { to: '/keywords', label: 'Keywords', icon: IconMessageBolt },
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
/** The back office's sidebar. */
export const ADMIN_NAV: NavSection[] = [
  {
    title: 'Customers',
    items: [
      { to: '/admin/accounts', label: 'Accounts', icon: IconBuildingBank },
      { to: '/admin/review', label: 'Review', icon: IconShieldCheck },
      { to: '/admin/reports', label: 'Reports', icon: IconChartBar },
      { to: '/admin/margins', label: 'Margins', icon: IconReportMoney },
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
export function activeItem(sections: NavSection[], path: string): string | undefined {
  let best: string | undefined;
  for (const s of sections)
    for (const i of s.items) {
      const hit = path === i.to || (i.to !== '/' && i.to !== '/admin' && path.startsWith(`${i.to}/`));
      if (hit && (!best || i.to.length > best.length)) best = i.to;
    }
  return best;
}
