import type { Permission, Role, StaffPermission, StaffRole } from './permissions';

/** Who is making a request, resolved once per request by the auth hook. */
export type Actor = ClientActor | StaffActor;

export interface ClientActor {
  kind: 'user' | 'api_key';
  accountId: string;
  /** The user id, or the API key id. */
  id: string;
  /** The user's role; API keys have none. */
  role: Role | null;
  permissions: ReadonlySet<Permission>;
  sessionId: string | null;
  csrfToken: string | null;
  ip: string | null;
}

export interface StaffActor {
  kind: 'staff';
  id: string;
  /** Set when the staff member acts through an API key. */
  keyId: string | null;
  role: StaffRole;
  /** Set for a signed-in staff member: whether 2FA is on (STAFF_REQUIRE_2FA holds them to enrolment). */
  twoFactorEnabled?: boolean;
  permissions: ReadonlySet<StaffPermission>;
  sessionId: string | null;
  csrfToken: string | null;
  ip: string | null;
}
