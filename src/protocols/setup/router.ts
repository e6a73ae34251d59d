import { Router } from 'express';
import type { SigningKeys } from '../../domain/sessions/index.ts';
import type { Db } from '../../storage/index.ts';
import type { AdminApiDeps } from '../admin-api/index.ts';
import type { SignInFlows } from '../sso/index.ts';

export interface SetupDeps {
  readonly db: Db;
  readonly keys: SigningKeys;
  readonly publicUrl: string;
  readonly masterKey: string;
  /** The admin API the portal acts through, as its setup link. */
  readonly api: AdminApiDeps;
  /** The sign-in flows, for the test sign-in. */
  readonly flows: SignInFlows;
}

/** Not built yet: the setup portal at /setup/{token}. */
export function setupRouter(_deps: SetupDeps): Router {
  return Router();
}
