import { createHmac, randomBytes } from 'node:crypto';

/**
 * Deliveries are signed the Standard Webhooks way (standardwebhooks.com),
 * so an application verifies them with that project's libraries in any
 * language, or with a few lines of HMAC: the signed content is
 * `${webhook-id}.${webhook-timestamp}.${body}`, the key is the secret's
 * bytes after `whsec_`, the signature HMAC-SHA256 in base64.
 */
const prefix = 'whsec_';

/** A new endpoint secret: 32 random bytes. */
export function newWebhookSecret(): string {
  return `${prefix}${randomBytes(32).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(prefix) ? secret.slice(prefix.length) : secret, 'base64');
}

export interface SignedHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/**
 * The headers that let the application check a delivery: the event id (the
 * same on every attempt, to de-duplicate by), the time of this attempt, and
 * one signature per live secret (two while a rotation overlaps), space
 * separated.
 */
export function signDelivery(
  eventId: string,
  timestamp: Date,
  body: string,
  secrets: readonly string[],
): SignedHeaders {
  const seconds = Math.floor(timestamp.getTime() / 1000).toString();
  const content = `${eventId}.${seconds}.${body}`;
  const signatures = secrets.map(
    (secret) => `v1,${createHmac('sha256', keyOf(secret)).update(content, 'utf8').digest('base64')}`,
  );
  return { 'webhook-id': eventId, 'webhook-timestamp': seconds, 'webhook-signature': signatures.join(' ') };
}
