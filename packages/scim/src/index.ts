/** SCIM 2.0 provisioning: tokens, the User and Group resources over IAM, filters and PATCH. */
export * from './scim-context.ts';
export * from './scim-filters.ts';
export * from './scim-groups.ts';
export * from './scim-lifecycle.ts';
export * from './scim-patches.ts';
export * from './scim-projection.ts';
export * from './scim-schemas.ts';
export * from './scim-tokens.ts';
export * from './scim-users.ts';
