export { adminCause, type CauseRef, causeOf, scimCause } from './cause.ts';
export { type Actor, type ChangeContext, systemContext } from './context.ts';
export { type AuditEntry, type AuditEvent, auditEventRow, listAudit, recordAudit } from './record.ts';
