/**
 * Connections opened for sign-in in the last second, by id and PUBLIC_URL:
 * a busy ACS would otherwise read the connection and its domains, and open
 * its keys, for every sign-in. A change made in this process takes effect
 * at once (whoever changes a connection forgets it here); one made by
 * another process within a second.
 */
class OpenedConnections {
  readonly #entries = new Map<string, Map<string, { value: unknown; until: number }>>();
  readonly #ttlMs = 1_000;
  readonly #max = 1_000;

  get(id: string, publicUrl: string): unknown {
    const entry = this.#entries.get(id)?.get(publicUrl);
    return entry && entry.until > Date.now() ? entry.value : undefined;
  }

  set(id: string, publicUrl: string, value: unknown): void {
    if (this.#entries.size >= this.#max) this.#entries.clear();
    const byUrl = this.#entries.get(id) ?? new Map();
    byUrl.set(publicUrl, { value, until: Date.now() + this.#ttlMs });
    this.#entries.set(id, byUrl);
  }

  forget(id: string): void {
    this.#entries.delete(id.toLowerCase());
  }
}

export const openedConnections = new OpenedConnections();

/** Forgets a connection opened for sign-in, when it changes or goes. */
export const forgetOpenedConnection = (connectionId: string): void => openedConnections.forget(connectionId);
