// Generated from the server's OpenAPI document by scripts/gen-web-api-types.ts: do not edit by hand.
// Write it again with `npx tsx scripts/gen-web-api-types.ts`; test/unit/web-api-types.test.ts checks it.

/** Every message status, in lifecycle order (a webhook's status filter takes any of them). */
export const MESSAGE_STATUSES = [
  'held',
  'scheduled',
  'queued',
  'sending',
  'sent',
  'delivered',
  'undelivered',
  'expired',
  'failed',
  'rejected',
  'cancelled',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** The events a webhook endpoint can subscribe to. */
export const WEBHOOK_EVENT_TYPES = ['message.status', 'message.received', 'message.keyword'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The roles of an account's team members. */
export const USER_ROLES = ['owner', 'admin', 'developer', 'sender', 'viewer'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** The roles of the operator's staff. */
export const STAFF_ROLES = ['superadmin', 'operator', 'support', 'auditor'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** An account's refund policy (which failed messages give their credits back). */
export const REFUND_POLICIES = ['none', 'undelivered', 'undelivered_and_expired'] as const;
export type RefundPolicy = (typeof REFUND_POLICIES)[number];

/** A personal-data incident's severity. */
export const INCIDENT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];

/** What a data subject asks for. */
export const PRIVACY_REQUEST_KINDS = [
  'access',
  'export',
  'rectification',
  'erasure',
  'restriction',
  'objection',
] as const;
export type PrivacyRequestKind = (typeof PRIVACY_REQUEST_KINDS)[number];

/** A privacy request's state. */
export const PRIVACY_REQUEST_STATUSES = ['received', 'forwarded', 'completed', 'rejected'] as const;
export type PrivacyRequestStatus = (typeof PRIVACY_REQUEST_STATUSES)[number];
