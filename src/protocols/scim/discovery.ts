import { Router } from 'express';
import { MusterError, notFound } from '../../errors.ts';
import { sendScim } from './respond.ts';
import { type Attribute, commonAttributes, resourceTypes, type Schema, schemasOf } from './schema/index.ts';

/** What this server does, stated once: /ServiceProviderConfig reports it and the handlers obey it. */
export const capabilities = {
  maxResults: 200,
  defaultPageSize: 100,
  patch: true,
  bulk: { supported: true, maxOperations: 1000 },
  sort: true,
  etag: true,
} as const;

const listSchema = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

function attributeJson(attribute: Attribute): Record<string, unknown> {
  return {
    name: attribute.name,
    type: attribute.type,
    multiValued: attribute.multiValued,
    description: attribute.description,
    required: attribute.required,
    caseExact: attribute.caseExact,
    mutability: attribute.mutability,
    returned: attribute.returned,
    uniqueness: attribute.uniqueness,
    ...(attribute.canonicalValues?.length ? { canonicalValues: attribute.canonicalValues } : {}),
    ...(attribute.referenceTypes ? { referenceTypes: attribute.referenceTypes } : {}),
    ...(attribute.subAttributes ? { subAttributes: attribute.subAttributes.map(attributeJson) } : {}),
  };
}

function schemaJson(schema: Schema, base: string, core: boolean): Record<string, unknown> {
  const attributes = core
    ? [...commonAttributes.filter((a) => a.name !== 'id'), ...schema.attributes]
    : schema.attributes;
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: attributes.map(attributeJson),
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${schema.id}` },
  };
}

function allSchemas(base: string): Record<string, unknown>[] {
  const seen = new Set<string>();
  const out: Record<string, unknown>[] = [];
  for (const type of resourceTypes) {
    for (const schema of schemasOf(type)) {
      if (seen.has(schema.id)) continue;
      seen.add(schema.id);
      out.push(schemaJson(schema, base, schema.id === type.schema.id));
    }
  }
  return out;
}

function resourceTypeJson(base: string) {
  return resourceTypes.map((type) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id: type.id,
    name: type.name,
    endpoint: type.endpoint,
    description: type.description,
    schema: type.schema.id,
    schemaExtensions: type.extensions.map((e) => ({ schema: e.schema.id, required: e.required })),
    meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/${type.id}` },
  }));
}

function serviceProviderConfig(base: string, maxPayloadSize: number) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    patch: { supported: capabilities.patch },
    bulk: { ...capabilities.bulk, maxPayloadSize },
    filter: { supported: true, maxResults: capabilities.maxResults },
    changePassword: { supported: false },
    sort: { supported: capabilities.sort },
    etag: { supported: capabilities.etag },
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: capabilities.defaultPageSize,
      maxPageSize: capabilities.maxResults,
      // Cursors name the last id seen, so they do not expire.
      cursorTimeout: 0,
    },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: "The directory's token, sent as Authorization: Bearer",
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

function list(resources: Record<string, unknown>[]) {
  return {
    schemas: [listSchema],
    totalResults: resources.length,
    itemsPerPage: resources.length,
    startIndex: 1,
    Resources: resources,
  };
}

function byId(resources: Record<string, unknown>[], id: string) {
  const found = resources.find((r) => String(r.id).toLowerCase() === id.toLowerCase());
  if (!found) throw notFound('Resource');
  return found;
}

/** The discovery endpoints (RFC 7644 §4): read-only, so any other method is 405. */
export function discoveryRouter(baseUrl: (directoryId: string) => string, maxPayloadSize: number): Router {
  const router = Router({ mergeParams: true });
  const base = (params: Record<string, string>) => baseUrl(params.directory ?? '');
  // RFC 7644 §4: these endpoints ignore query parameters, but a filter is 403 so that no client
  // takes the full list for the resources its filter matched.
  router.get(['/ServiceProviderConfig', '/ResourceTypes', '/Schemas'], (req, _res, next) => {
    if (req.query.filter !== undefined) {
      throw new MusterError('forbidden', 'Discovery endpoints cannot be filtered (RFC 7644 §4)');
    }
    next();
  });
  router.get('/ServiceProviderConfig', (req, res) =>
    sendScim(res, 200, serviceProviderConfig(base(req.params), maxPayloadSize)),
  );
  router.get('/ResourceTypes', (req, res) => sendScim(res, 200, list(resourceTypeJson(base(req.params)))));
  router.get('/ResourceTypes/:id', (req, res) =>
    sendScim(res, 200, byId(resourceTypeJson(base(req.params)), req.params.id)),
  );
  router.get('/Schemas', (req, res) => sendScim(res, 200, list(allSchemas(base(req.params)))));
  router.get('/Schemas/:id', (req, res) =>
    sendScim(res, 200, byId(allSchemas(base(req.params)), req.params.id)),
  );
  for (const path of [
    '/ServiceProviderConfig',
    '/ResourceTypes',
    '/ResourceTypes/:id',
    '/Schemas',
    '/Schemas/:id',
  ]) {
    router.all(path, (_req, res) => {
      res.setHeader('Allow', 'GET');
      throw new MusterError('method_not_allowed', 'Discovery endpoints are read-only');
    });
  }
  return router;
}
