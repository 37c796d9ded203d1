export {
  type AuditActor,
  type AuditEvent,
  type AuditEventInput,
  type AuditLog,
  createAuditLog,
} from './audit';
