/**
 * Connections opened for sign-in in the last second, by id and a key of the
 * caller's (the protocol and PUBLIC_URL):
 * a busy ACS would otherwise read the connection and its domains, and open
 * its keys, for every sign-in. A change made in this process takes effect
 * at once (whoever changes a connection forgets it here); one made by
 * another process within a second.
 */
class OpenedConnections {
  readonly #entries = new Map<string, Map<string, { value: unknown; until: number }>>();
  readonly #ttlMs = 1_000;
  readonly #max = 1_000;

  get(id: string, key: string): unknown {
    const entry = this.#entries.get(id)?.get(key);
    return entry && entry.until > Date.now() ? entry.value : undefined;
  }

  set(id: string, key: string, value: unknown): void {
    if (this.#entries.size >= this.#max) this.#entries.clear();
    const byKey = this.#entries.get(id) ?? new Map();
    byKey.set(key, { value, until: Date.now() + this.#ttlMs });
    this.#entries.set(id, byKey);
  }

  forget(id: string): void {
    this.#entries.delete(id.toLowerCase());
  }
}

export const openedConnections = new OpenedConnections();

/** Forgets a connection opened for sign-in, when it changes or goes. */
export const forgetOpenedConnection = (connectionId: string): void => openedConnections.forget(connectionId);
