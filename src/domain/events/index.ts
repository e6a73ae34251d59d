export { type AuditedChange, type EventType, eventOf, eventTypes } from './catalog.ts';
export { type EventPage, type MusterEvent, readEvents } from './feed.ts';
