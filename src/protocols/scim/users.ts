import type { Request, Response, Router } from 'express';
import { getScimUser, listScimUsers, type ScimUser } from '../../domain/directory/index.ts';
import type { Db } from '../../storage/index.ts';
import { directoryOf, summarize } from './context.ts';
import { listResponse, parseListQuery } from './list-query.ts';
import { expectedVersion, notModified } from './preconditions.ts';
import { parseProjection, project } from './project.ts';
import { etagOf, renderResource } from './render.ts';
import { sendScim } from './respond.ts';
import { userResourceType } from './schema/index.ts';
import { createUser, deleteUser, patchUser, replaceUser, writeContext } from './writes.ts';

export interface ScimResourceDeps {
  readonly db: Db;
  readonly baseUrl: (directoryId: string) => string;
}

export function mountUsers(router: Router, deps: ScimResourceDeps): void {
  const writer = (res: Response) => writeContext(deps.db, res);
  const send = (req: Request, res: Response, status: number, user: ScimUser) => {
    const base = deps.baseUrl(directoryOf(res).id);
    const body = project(
      renderResource(userResourceType, user, base),
      parseProjection(userResourceType, { ...req.query }),
    );
    res.setHeader('ETag', etagOf(user.version));
    if (status === 201) res.location(`${base}/Users/${user.id}`);
    summarize(res, { resourceType: 'User', id: user.id, userName: user.userName, active: user.active });
    sendScim(res, status, body);
  };
  const idOf = (req: Request) => String(req.params.id ?? '');

  router.post('/Users', async (req, res) => {
    send(req, res, 201, await createUser(writer(res), req.body));
  });

  router.get('/Users', async (req, res) => {
    const query = { ...req.query };
    const list = parseListQuery(userResourceType, query);
    const projection = parseProjection(userResourceType, query);
    const directory = directoryOf(res);
    const page = await listScimUsers(deps.db, directory, list);
    const base = deps.baseUrl(directory.id);
    const resources = page.items.map((u) => project(renderResource(userResourceType, u, base), projection));
    sendScim(res, 200, listResponse(list, page, resources));
  });

  router.get('/Users/:id', async (req, res) => {
    const user = await getScimUser(deps.db, directoryOf(res), idOf(req));
    if (notModified(req, user.version)) {
      res.setHeader('ETag', etagOf(user.version));
      res.status(304).end();
      return;
    }
    send(req, res, 200, user);
  });

  router.put('/Users/:id', async (req, res) => {
    send(req, res, 200, await replaceUser(writer(res), idOf(req), req.body, expectedVersion(req)));
  });

  router.patch('/Users/:id', async (req, res) => {
    send(req, res, 200, await patchUser(writer(res), idOf(req), req.body, expectedVersion(req)));
  });

  router.delete('/Users/:id', async (req, res) => {
    await deleteUser(writer(res), idOf(req), expectedVersion(req));
    summarize(res, { resourceType: 'User', id: idOf(req), deleted: true });
    res.status(204).end();
  });
}
