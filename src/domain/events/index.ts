export { type EventType, eventTypes } from './catalog.ts';
export { decodeCursor, type EventPage, encodeCursor, type MusterEvent, readEvents, toEvent } from './feed.ts';
