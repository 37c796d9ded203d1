/** A data subject's request (`/v1/privacy/requests`, and the back office's `/v1/admin/privacy-requests`). */
export interface PrivacyRequest {
  id: string;
  accountId: string | null;
  kind: string;
  subject: { phone: string | null; email: string | null; name: string | null };
  message: string | null;
  /** `sms`: texted DATA or DELETE to one of the account's numbers; `operator`: recorded by staff. */
  source: string;
  status: string;
  note: string | null;
  receivedAt: string;
  dueAt: string;
  overdue: boolean;
  forwardedAt: string | null;
  closedAt: string | null;
}

/** Query keys of the client's Compliance area: notices, sub-processors, privacy requests and the audit log. */
export const complianceKeys = {
  notices: () => ['notices'] as const,
  unreadNotices: () => [...complianceKeys.notices(), 'unread'] as const,
  noticeList: (unreadOnly: boolean) => [...complianceKeys.notices(), 'list', unreadOnly] as const,
  subProcessors: () => ['sub-processors'] as const,
  privacyRequests: () => ['privacy-requests'] as const,
  privacyRequestList: (status: string) => [...complianceKeys.privacyRequests(), status] as const,
  register: () => ['privacy-register'] as const,
  /** Every audit log (the account's and the back office's). */
  audit: () => ['audit'] as const,
  auditLog: (path: string, params: unknown) => [...complianceKeys.audit(), path, params] as const,
};
