export {
  AUDIT_CSV_COLUMNS,
  type AuditExport,
  type AuditExportFilter,
  createAuditExport,
  type ExportedAuditEvent,
} from './audit-export';
export { type Closure, type ClosureView, createClosure } from './closure';
export {
  createIncidents,
  DEADLINE_WARNING_MS,
  INCIDENT_SEVERITIES,
  type IncidentInput,
  type IncidentPatch,
  type Incidents,
  type IncidentView,
  NOTIFICATION_WINDOW_MS,
} from './incidents';
export { createNotices, type Notices, type NoticeView } from './notices';
export { createPolicies, type Policies, type PolicyView } from './policies';
export {
  createProcessorDuties,
  type ProcessorDeps,
  type ProcessorDuties,
  type ProcessorSettings,
} from './processor-duties';
export {
  createRegister,
  isOutsideEea,
  PROCESSING_PURPOSES,
  type Register,
  type RetentionSource,
  registerMarkdown,
} from './register';
export {
  createRequestInbox,
  oneMonthAfter,
  PRIVACY_REQUEST_KINDS,
  PRIVACY_REQUEST_STATUSES,
  type PrivacyRequestView,
  type RequestInbox,
} from './request-inbox';
export {
  createRetention,
  DAY_MS,
  type Retention,
  type RetentionPolicyView,
  type RetentionRule,
  type SweepResult,
} from './retention';
export { builtinRetentionRules, PROMISES } from './retention-rules';
export {
  createSmsRequests,
  SMS_REQUEST_DEDUPE_MS,
  type SmsRequestInput,
  type SmsRequests,
} from './sms-requests';
export {
  createSubProcessors,
  type ObjectionView,
  type SubProcessorInput,
  type SubProcessors,
  type SubProcessorView,
} from './sub-processors';
export type { ErasureReceipt } from './subject-erasure';
export type { SubjectRecords } from './subject-records';
export { createSubjectRequests, type SubjectRequests } from './subject-requests';
export { type SubjectInput, subjectHash } from './subjects';
