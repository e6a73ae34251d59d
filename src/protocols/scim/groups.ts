import type { Request, Response, Router } from 'express';
import {
  getScimGroup,
  listGroupMembers,
  listScimGroups,
  type ScimGroup,
} from '../../domain/directory/index.ts';
import { dialectOf, directoryOf, summarize } from './context.ts';
import { listResponse, parseListQuery, searchRequestQuery } from './list-query.ts';
import { expectedVersion, notModified } from './preconditions.ts';
import { excludes, type Projection, parseProjection, project } from './project.ts';
import { etagOf, renderResource } from './render.ts';
import { sendScim } from './respond.ts';
import { groupResourceType } from './schema/index.ts';
import type { ScimResourceDeps } from './users.ts';
import { createGroup, deleteGroup, patchGroup, replaceGroup, writeContext } from './writes.ts';

export function mountGroups(router: Router, deps: ScimResourceDeps): void {
  const writer = (res: Response) => writeContext(deps.db, res);
  const idOf = (req: Request) => String(req.params.id ?? '');

  /** Members are read only when the answer includes them (`excludedAttributes=members` never reads them). */
  const render = async (res: Response, group: ScimGroup, projection: Projection) => {
    const directory = directoryOf(res);
    const base = deps.baseUrl(directory.id);
    const extra = excludes(projection, 'members')
      ? {}
      : {
          members: (await listGroupMembers(deps.db, directory, group.id)).map((m) => ({
            value: m.id,
            display: m.display_name ?? m.user_name,
            $ref: `${base}/Users/${m.id}`,
            type: 'User',
          })),
        };
    return project(renderResource(groupResourceType, group, base, extra), projection);
  };

  const send = async (req: Request, res: Response, status: number, group: ScimGroup) => {
    const projection = parseProjection(groupResourceType, { ...req.query });
    const body = await render(res, group, projection);
    res.setHeader('ETag', etagOf(group.version));
    const location = `${deps.baseUrl(directoryOf(res).id)}/Groups/${group.id}`;
    // RFC 7643 §3.1: meta.location is the Content-Location of the answer; a 201 also has Location.
    res.setHeader('Content-Location', location);
    if (status === 201) res.location(location);
    summarize(res, {
      resourceType: 'Group',
      id: group.id,
      displayName: group.displayName,
      members: group.memberCount,
    });
    sendScim(res, status, body);
  };

  router.post('/Groups', async (req, res) => {
    await send(req, res, 201, await createGroup(writer(res), req.body));
  });

  const search = async (res: Response, query: Record<string, unknown>) => {
    const list = parseListQuery(groupResourceType, query, dialectOf(res));
    const projection = parseProjection(groupResourceType, query);
    const page = await listScimGroups(deps.db, directoryOf(res), list);
    const resources = [];
    for (const group of page.items) resources.push(await render(res, group, projection));
    sendScim(res, 200, listResponse(list, page, resources));
  };

  router.get('/Groups', async (req, res) => {
    await search(res, { ...req.query });
  });

  router.post('/Groups/.search', async (req, res) => {
    await search(res, searchRequestQuery(req.body));
  });

  router.get('/Groups/:id', async (req, res) => {
    const group = await getScimGroup(deps.db, directoryOf(res), idOf(req));
    if (notModified(req, group.version)) {
      res.setHeader('ETag', etagOf(group.version));
      res.status(304).end();
      return;
    }
    await send(req, res, 200, group);
  });

  router.put('/Groups/:id', async (req, res) => {
    await send(req, res, 200, await replaceGroup(writer(res), idOf(req), req.body, expectedVersion(req)));
  });

  /**
   * 204 unless the client asks for attributes (RFC 7644 §3.5.2): answering
   * every member change on a group of 100,000 with all its members would
   * make each change cost as much as the group is large.
   */
  router.patch('/Groups/:id', async (req, res) => {
    const group = await patchGroup(writer(res), idOf(req), req.body, expectedVersion(req));
    if (req.query.attributes !== undefined) {
      await send(req, res, 200, group);
      return;
    }
    res.setHeader('ETag', etagOf(group.version));
    summarize(res, {
      resourceType: 'Group',
      id: group.id,
      displayName: group.displayName,
      members: group.memberCount,
    });
    res.status(204).end();
  });

  router.delete('/Groups/:id', async (req, res) => {
    await deleteGroup(writer(res), idOf(req), expectedVersion(req));
    summarize(res, { resourceType: 'Group', id: idOf(req), deleted: true });
    res.status(204).end();
  });
}
