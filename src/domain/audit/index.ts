export { type Actor, type ChangeContext, systemContext } from './context.ts';
export { type AuditEntry, type AuditEvent, listAudit, recordAudit } from './record.ts';
