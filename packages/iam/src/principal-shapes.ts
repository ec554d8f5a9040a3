/** Renders stored principals in IAM's output shapes (`User`, `Group`, `Role`). */
import type { PrincipalListing, PrincipalRecord } from '@palisade/store';

/** IAM's PermissionsBoundary member, when a boundary is set (the model's only type, a managed policy). */
export function boundaryShape(record: PrincipalRecord) {
  const boundary = permissionsBoundaryOf(record);
  return boundary ? { PermissionsBoundary: boundary } : {};
}

/** The PermissionsBoundary member's value, or undefined when no boundary is set. */
function permissionsBoundaryOf(record: PrincipalRecord) {
  return record.permissionsBoundary
    ? {
        PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
        PermissionsBoundaryArn: record.permissionsBoundary,
      }
    : undefined;
}

/** IAM's `User` structure as its listings show it (ListUsers): IAM leaves out the boundary and tags. */
export function userListingShape(record: PrincipalListing) {
  // Member by member in IAM's order (the XML keeps it): every user answer passes here.
  return {
    Path: record.path,
    UserName: record.name,
    UserId: record.id,
    Arn: record.arn,
    CreateDate: new Date(record.createdAt),
  };
}

/** IAM's `User` structure; tags only where IAM returns them (GetUser). */
export function userShape(record: PrincipalRecord, withTags = false) {
  const user: ReturnType<typeof userListingShape> & {
    PermissionsBoundary?: { PermissionsBoundaryType: string; PermissionsBoundaryArn: string };
    Tags?: PrincipalRecord['tags'];
  } = userListingShape(record);
  const boundary = permissionsBoundaryOf(record);
  if (boundary) user.PermissionsBoundary = boundary;
  if (withTags && record.tags.length) user.Tags = record.tags;
  return user;
}

/** IAM's `Group` structure (the same in its listings). */
export function groupShape(record: PrincipalListing) {
  return {
    Path: record.path,
    GroupName: record.name,
    GroupId: record.id,
    Arn: record.arn,
    CreateDate: new Date(record.createdAt),
  };
}

/** IAM's `Role` structure as its listings show it (ListRoles): IAM leaves out the boundary, tags and last use. */
export function roleListingShape(record: PrincipalListing) {
  return {
    Path: record.path,
    RoleName: record.name,
    RoleId: record.id,
    Arn: record.arn,
    CreateDate: new Date(record.createdAt),
    AssumeRolePolicyDocument: record.assumeRolePolicyDocument ?? '',
    ...(record.description ? { Description: record.description } : {}),
    MaxSessionDuration: record.maxSessionDuration ?? 3600,
  };
}

/** IAM's `Role` structure (the trust policy as JSON text; the Query codec URL-encodes it). */
export function roleShape(record: PrincipalRecord, withTags = false) {
  return {
    ...roleListingShape(record),
    ...boundaryShape(record),
    ...(withTags && record.tags.length ? { Tags: record.tags } : {}),
  };
}
