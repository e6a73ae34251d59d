import type { SamlReplayStore } from '../../src/protocols/saml/index.ts';

/** The replay store in process memory, for tests only: Muster's lives in PostgreSQL. */
export class MemoryReplayStore implements SamlReplayStore {
  private readonly requests = new Map<string, string>();
  private readonly assertions = new Map<string, Date>();

  /** Records a request id as issued for a connection, as the login step does. */
  issue(requestId: string, connectionId: string): void {
    this.requests.set(requestId, connectionId);
  }

  async consumeRequest(requestId: string, connectionId: string): Promise<boolean> {
    if (this.requests.get(requestId) !== connectionId) return false;
    this.requests.delete(requestId);
    return true;
  }

  async rememberAssertion(assertionId: string, connectionId: string, notOnOrAfter: Date): Promise<boolean> {
    const key = `${connectionId} ${assertionId}`;
    if (this.assertions.has(key)) return false;
    this.assertions.set(key, notOnOrAfter);
    return true;
  }

  /** When a remembered assertion may be forgotten. */
  rememberedUntil(assertionId: string, connectionId: string): Date | undefined {
    return this.assertions.get(`${connectionId} ${assertionId}`);
  }
}
