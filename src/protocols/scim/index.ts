import type { Router } from 'express';
import type { ScimRequestLog } from '../../domain/sources/index.ts';
import type { Db } from '../../storage/index.ts';
import { mountBulk } from './bulk.ts';
import { mountGroups } from './groups.ts';
import { refuseOtherMethods } from './methods.ts';
import { scimRouter } from './router.ts';
import { mountUsers } from './users.ts';

/** The SCIM 2.0 service at /scim/v2/{directory}. */
export function scimService(deps: {
  db: Db;
  publicUrl: string;
  bodyLimitBytes: number;
  requestLog: ScimRequestLog;
}): Router {
  const baseUrl = (directoryId: string) => `${deps.publicUrl}/scim/v2/${directoryId}`;
  return scimRouter(deps, (router) => {
    mountUsers(router, { db: deps.db, baseUrl });
    mountGroups(router, { db: deps.db, baseUrl });
    mountBulk(router, { db: deps.db, baseUrl });
    refuseOtherMethods(router);
  });
}
