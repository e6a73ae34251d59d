export * from './api-keys.ts';
export * from './audit-events.ts';
export * from './health.ts';
export * from './orgs.ts';
export * from './page.ts';
export type * from './scim-filter.ts';
export * from './teams.ts';
