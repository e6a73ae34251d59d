import { v7 as uuidv7 } from 'uuid';

/**
 * Identifiers are UUIDv7: unique across processes and ordered by creation
 * time, so keyset pagination by id lists things in the order they were made
 * and inserts land at the end of their indexes.
 */
export function newId(): string {
  return uuidv7();
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}
