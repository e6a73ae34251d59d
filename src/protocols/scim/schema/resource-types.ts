import type { ResourceType } from './attribute.ts';
import { groupSchema } from './group.ts';
import { enterpriseUserSchema, userSchema } from './user.ts';

export const userResourceType: ResourceType = {
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: userSchema,
  extensions: [{ schema: enterpriseUserSchema, required: false }],
};

export const groupResourceType: ResourceType = {
  id: 'Group',
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: groupSchema,
  extensions: [],
};

export const resourceTypes: readonly ResourceType[] = [userResourceType, groupResourceType];
