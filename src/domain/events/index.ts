export { type EventType, eventTypes } from './catalog.ts';
export { type EventPage, type MusterEvent, readEvents } from './feed.ts';
