import type { AccountsTable, StaffUsersTable, UsersTable } from '../../storage/schema';
import { parseMessagingSettings } from './messaging-settings';

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: UsersTable['role'];
  emailVerified: boolean;
  twoFactorEnabled: boolean;
  createdAt: string;
}

export function userView(u: UsersTable): UserView {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    emailVerified: u.email_verified_at !== null,
    twoFactorEnabled: u.totp_enabled_at !== null,
    createdAt: iso(u.created_at)!,
  };
}

export interface AccountView {
  id: string;
  name: string;
  status: AccountsTable['status'];
  defaultCountry: string | null;
  createdAt: string;
  closedAt: string | null;
}

export function accountView(a: AccountsTable): AccountView {
  return {
    id: a.id,
    name: a.name,
    status: a.status,
    // The messaging setting is what numbers are read with; the column is the older home of the same fact.
    defaultCountry: parseMessagingSettings(a.settings).defaultCountry ?? a.default_country,
    createdAt: iso(a.created_at)!,
    closedAt: iso(a.closed_at),
  };
}

export interface StaffView {
  id: string;
  email: string;
  name: string;
  role: StaffUsersTable['role'];
  twoFactorEnabled: boolean;
  disabled: boolean;
  createdAt: string;
}

export function staffView(s: StaffUsersTable): StaffView {
  return {
    id: s.id,
    email: s.email,
    name: s.name,
    role: s.role,
    twoFactorEnabled: s.totp_enabled_at !== null,
    disabled: s.disabled_at !== null,
    createdAt: iso(s.created_at)!,
  };
}
