export {
  type Attribute,
  type AttributeType,
  attribute,
  findAttribute,
  type Mutability,
  type ResourceType,
  type Returned,
  type Schema,
  type Uniqueness,
} from './attribute.ts';
export { commonAttributes } from './core.ts';
export { groupSchema, groupSchemaId } from './group.ts';
export {
  ambiguousExtensions,
  leafOf,
  type ResolvedPath,
  resolvePath,
  schemasOf,
} from './paths.ts';
export { groupResourceType, resourceTypes, userResourceType } from './resource-types.ts';
export { enterpriseUserSchema, enterpriseUserSchemaId, userSchema, userSchemaId } from './user.ts';
