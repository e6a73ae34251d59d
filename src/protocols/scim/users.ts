import type { Request, Response, Router } from 'express';
import { getScimUser, groupsOfUsers, listScimUsers, type ScimUser } from '../../domain/directory/index.ts';
import type { Db } from '../../storage/index.ts';
import { dialectOf, directoryOf, summarize } from './context.ts';
import { listResponse, parseListQuery, searchRequestQuery } from './list-query.ts';
import { expectedVersion, notModified } from './preconditions.ts';
import { excludes, type Projection, parseProjection, project } from './project.ts';
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
  /** `groups` is read from membership rows, for the whole page at once, unless the answer leaves it out. */
  const render = async (res: Response, users: ScimUser[], projection: Projection, readGroups = true) => {
    const directory = directoryOf(res);
    const base = deps.baseUrl(directory.id);
    const loaded = users.every((u) => u.groups !== undefined);
    const groups = loaded
      ? new Map(users.flatMap((u) => (u.groups?.length ? [[u.id, [...u.groups]] as const] : [])))
      : readGroups && !excludes(projection, 'groups')
        ? await groupsOfUsers(
            deps.db,
            directory,
            users.map((u) => u.id),
          )
        : new Map<string, { id: string; displayName: string }[]>();
    return users.map((user) => {
      const memberOf = groups.get(user.id);
      const extra = memberOf
        ? {
            groups: memberOf.map((g) => ({
              value: g.id,
              display: g.displayName,
              $ref: `${base}/Groups/${g.id}`,
              type: 'direct',
            })),
          }
        : {};
      return project(renderResource(userResourceType, user, base, extra), projection);
    });
  };
  const send = async (req: Request, res: Response, status: number, user: ScimUser) => {
    const projection = parseProjection(userResourceType, { ...req.query });
    // A user just created belongs to no group yet.
    const [body] = await render(res, [user], projection, status !== 201);
    res.setHeader('ETag', etagOf(user.version));
    const location = `${deps.baseUrl(directoryOf(res).id)}/Users/${user.id}`;
    // RFC 7643 §3.1: meta.location is the Content-Location of the answer; a 201 also has Location.
    res.setHeader('Content-Location', location);
    if (status === 201) res.location(location);
    summarize(res, { resourceType: 'User', id: user.id, userName: user.userName, active: user.active });
    sendScim(res, status, body);
  };
  const idOf = (req: Request) => String(req.params.id ?? '');

  router.post('/Users', async (req, res) => {
    await send(req, res, 201, await createUser(writer(res), req.body));
  });

  const search = async (res: Response, query: Record<string, unknown>) => {
    const list = parseListQuery(userResourceType, query, dialectOf(res));
    const projection = parseProjection(userResourceType, query);
    // The page's groups come with its rows, unless the answer leaves them out.
    const page = await listScimUsers(deps.db, directoryOf(res), {
      ...list,
      withGroups: !excludes(projection, 'groups'),
    });
    sendScim(res, 200, listResponse(list, page, await render(res, page.items, projection)));
  };

  router.get('/Users', async (req, res) => {
    await search(res, { ...req.query });
  });

  router.post('/Users/.search', async (req, res) => {
    await search(res, searchRequestQuery(req.body));
  });

  router.get('/Users/:id', async (req, res) => {
    const user = await getScimUser(deps.db, directoryOf(res), idOf(req));
    if (notModified(req, user.version)) {
      res.setHeader('ETag', etagOf(user.version));
      res.status(304).end();
      return;
    }
    await send(req, res, 200, user);
  });

  router.put('/Users/:id', async (req, res) => {
    await send(req, res, 200, await replaceUser(writer(res), idOf(req), req.body, expectedVersion(req)));
  });

  router.patch('/Users/:id', async (req, res) => {
    await send(req, res, 200, await patchUser(writer(res), idOf(req), req.body, expectedVersion(req)));
  });

  router.delete('/Users/:id', async (req, res) => {
    await deleteUser(writer(res), idOf(req), expectedVersion(req));
    summarize(res, { resourceType: 'User', id: idOf(req), deleted: true });
    res.status(204).end();
  });
}
