export { auditActorOf } from './actor';
export {
  type AuditActor,
  type AuditEvent,
  type AuditEventInput,
  type AuditLog,
  auditEventFields,
  chainOf,
  createAuditLog,
  hashEvent,
} from './audit';
