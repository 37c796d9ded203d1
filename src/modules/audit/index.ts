export { auditActorOf } from './actor';
export {
  type AuditActor,
  type AuditEvent,
  type AuditEventInput,
  type AuditLog,
  auditEventFields,
  chainAccounts,
  chainOf,
  createAuditLog,
  hashEvent,
} from './audit';
