import { consumeLogin, type LoginInFlight, rememberAssertion } from '../../../domain/signin/index.ts';
import type { Db } from '../../../storage/index.ts';
import type { SamlReplayStore } from '../types.ts';

/**
 * The replay store of one response's validation, in PostgreSQL so it holds
 * across processes and restarts. It keeps the sign-in it consumed, so the
 * flow can go where that sign-in was headed.
 */
export class DatabaseReplayStore implements SamlReplayStore {
  readonly #db: Db;
  login: LoginInFlight | undefined;

  constructor(db: Db) {
    this.#db = db;
  }

  async consumeRequest(requestId: string, connectionId: string): Promise<boolean> {
    this.login = await consumeLogin(this.#db, connectionId, requestId);
    return this.login !== undefined;
  }

  rememberAssertion(assertionId: string, connectionId: string, notOnOrAfter: Date): Promise<boolean> {
    return rememberAssertion(this.#db, connectionId, assertionId, notOnOrAfter);
  }
}
