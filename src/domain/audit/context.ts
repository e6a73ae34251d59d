import type { ActorType } from '../../storage/index.ts';

/** Who is acting: the bootstrap token, an org API key, a signed-in user, an IdP, or Muster itself. */
export interface Actor {
  readonly type: ActorType;
  /** The key id, user id or directory id; null for the bootstrap token and the system. */
  readonly id: string | null;
}

/** What every change carries, so its audit event can say who did it and in which request. */
export interface ChangeContext {
  readonly actor: Actor;
  readonly requestId?: string | undefined;
}

export const systemContext: ChangeContext = { actor: { type: 'system', id: null } };
