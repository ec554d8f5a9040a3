/**
 * What the REST API answers, as zod schemas named for the OpenAPI document's components. They
 * describe the operations' outputs after `toRestJson`; the tests parse real responses with them,
 * so the published contract cannot drift from what the handlers send.
 */
import { z } from 'zod';

const date = z.iso.datetime().describe('ISO-8601 date and time');
const arn = z.string().describe('Amazon Resource Name');
const document = z
  .record(z.string(), z.unknown())
  .describe('A policy document (IAM policy grammar) as a JSON object');

/** A tag on a user or role. */
export const tagSchema = z.object({ key: z.string(), value: z.string() });

const permissionsBoundary = z.object({
  permissionsBoundaryType: z.literal('PermissionsBoundaryPolicy'),
  permissionsBoundaryArn: arn,
});

/** An IAM user. */
export const userSchema = z.object({
  path: z.string(),
  userName: z.string(),
  userId: z.string(),
  arn,
  createDate: date,
  permissionsBoundary: permissionsBoundary.optional(),
  tags: z.array(tagSchema).optional(),
});

/** An IAM group. */
export const groupSchema = z.object({
  path: z.string(),
  groupName: z.string(),
  groupId: z.string(),
  arn,
  createDate: date,
});

/** An IAM role, its trust policy as a document. */
export const roleSchema = z.object({
  path: z.string(),
  roleName: z.string(),
  roleId: z.string(),
  arn,
  createDate: date,
  assumeRolePolicyDocument: document,
  description: z.string().optional(),
  maxSessionDuration: z.number().int(),
  permissionsBoundary: permissionsBoundary.optional(),
  tags: z.array(tagSchema).optional(),
  roleLastUsed: z
    .object({ lastUsedDate: date.optional(), region: z.string().optional() })
    .optional()
    .describe('When and where the role was last assumed (GetRole only; written at most hourly)'),
});

/** A managed policy (customer- or operator-managed). */
export const policySchema = z.object({
  policyName: z.string(),
  policyId: z.string(),
  arn,
  path: z.string(),
  defaultVersionId: z.string(),
  attachmentCount: z.number().int(),
  permissionsBoundaryUsageCount: z.number().int(),
  isAttachable: z.boolean(),
  description: z.string().optional(),
  createDate: date,
  updateDate: date,
  tags: z.array(tagSchema).optional(),
});

/** A managed policy version; `document` only when one version is read. */
export const policyVersionSchema = z.object({
  versionId: z.string(),
  isDefaultVersion: z.boolean(),
  createDate: date,
  document: document.optional(),
});

/** A managed policy attached to a principal. */
export const attachedPolicySchema = z.object({ policyName: z.string(), policyArn: arn });

/** An inline policy of a principal. */
export const inlinePolicySchema = z.object({
  userName: z.string().optional(),
  groupName: z.string().optional(),
  roleName: z.string().optional(),
  policyName: z.string(),
  document,
});

/** A new access key: the secret appears in this response only. */
export const accessKeySchema = z.object({
  userName: z.string(),
  accessKeyId: z.string(),
  status: z.enum(['Active', 'Inactive']),
  secretAccessKey: z.string(),
  createDate: date,
});

/** An access key without its secret. */
export const accessKeyMetadataSchema = accessKeySchema.omit({ secretAccessKey: true });

/** When and where an access key was last used. */
export const accessKeyLastUsedSchema = z.object({
  userName: z.string(),
  lastUsedDate: date.optional(),
  serviceName: z.string(),
  region: z.string(),
});

/** The account's alias. */
export const accountAliasSchema = z.object({ alias: z.string() });

/** Counts and quotas of the account (IAM's SummaryMap keys in camelCase). */
export const accountSummarySchema = z.record(z.string(), z.number().int());

/** The account's password policy. */
export const passwordPolicySchema = z.object({
  minimumPasswordLength: z.number().int(),
  requireSymbols: z.boolean(),
  requireNumbers: z.boolean(),
  requireUppercaseCharacters: z.boolean(),
  requireLowercaseCharacters: z.boolean(),
  allowUsersToChangePassword: z.boolean(),
  maxPasswordAge: z.number().int().optional(),
  passwordReusePrevention: z.number().int().optional(),
  hardExpiry: z.boolean(),
  expirePasswords: z.boolean(),
});

/** Everything in the account, in IAM's export shape with camelCase keys. */
export const authorizationDetailsSchema = z.object({
  userDetailList: z.array(z.record(z.string(), z.unknown())),
  groupDetailList: z.array(z.record(z.string(), z.unknown())),
  roleDetailList: z.array(z.record(z.string(), z.unknown())),
  policies: z.array(z.record(z.string(), z.unknown())),
  nextCursor: z.string().optional().describe('Present when there is another page.'),
});

/** A tenant account, as the operator sees it. */
export const accountSchema = z.object({
  accountId: z.string().regex(/^\d{12}$/),
  alias: z.string().optional(),
  externalId: z.string().optional().describe("The back office's id for the tenant (provisioning)"),
  status: z.enum(['active', 'suspended', 'closed']),
  createdAt: date,
});

/** A new tenant account with its root's first access key (the secret is shown only here). */
export const createdAccountSchema = accountSchema.extend({
  rootAccessKey: z.object({ accessKeyId: z.string(), secretAccessKey: z.string() }),
});

/** Every failure's body. */
export const errorSchema = z.object({
  error: z.object({
    code: z.string().describe('A namespaced failure code such as `entity.not-found`'),
    message: z.string(),
    requestId: z.string(),
    fields: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('The input fields at fault, when the failure names them (a webhook event, a blueprint)'),
  }),
});

// ---- compliance (issue #15) ----

/** GenerateCredentialReport's answer. */
export const credentialReportStateSchema = z.object({
  state: z.enum(['STARTED', 'INPROGRESS', 'COMPLETE']),
  description: z.string().optional(),
});

/** The credential report: CSV text with AWS's columns, the root's row first. */
export const credentialReportSchema = z.object({
  content: z.string().describe('CSV text, AWS credential report columns'),
  reportFormat: z.literal('text/csv'),
  generatedTime: date,
});

/** A started access advisor job. */
export const serviceLastAccessedJobSchema = z.object({ jobId: z.string() });

const jobHeader = {
  jobStatus: z.enum(['IN_PROGRESS', 'COMPLETED', 'FAILED']),
  jobCreationDate: date,
  jobCompletionDate: date,
  nextCursor: z.string().optional(),
};

/** An access advisor job's services (AWS's ServiceLastAccessed, camelCased). */
export const serviceLastAccessedDetailsSchema = z.object({
  ...jobHeader,
  jobType: z.enum(['SERVICE_LEVEL', 'ACTION_LEVEL']),
  servicesLastAccessed: z.array(
    z.object({
      serviceName: z.string(),
      serviceNamespace: z.string(),
      lastAuthenticated: date.optional(),
      lastAuthenticatedEntity: arn.optional(),
      lastAuthenticatedRegion: z.string().optional(),
      totalAuthenticatedEntities: z.number().int(),
      trackedActionsLastAccessed: z
        .array(
          z.object({
            actionName: z.string(),
            lastAccessedEntity: arn,
            lastAccessedTime: date,
            lastAccessedRegion: z.string(),
          }),
        )
        .optional(),
    }),
  ),
});

/** The entities of an access advisor job that used one service. */
export const serviceLastAccessedEntitiesSchema = z.object({
  ...jobHeader,
  entityDetailsList: z.array(
    z.object({
      entityInfo: z.object({
        arn,
        name: z.string(),
        type: z.enum(['USER', 'ROLE', 'GROUP']),
        id: z.string(),
        path: z.string().optional(),
      }),
      lastAuthenticated: date.optional(),
    }),
  ),
});

// ---- tf-operations (issue #15) ----
/** ListEntitiesForPolicy's answer: the groups, users and roles using a managed policy. */
export const policyEntitiesSchema = z.object({
  policyGroups: z.array(z.object({ groupName: z.string(), groupId: z.string() })),
  policyUsers: z.array(z.object({ userName: z.string(), userId: z.string() })),
  policyRoles: z.array(z.object({ roleName: z.string(), roleId: z.string() })),
  nextCursor: z.string().optional().describe('Pass as `cursor` for the next page'),
});

// ---- rest-gaps (issue #15) ----
/** GetMFADevice's answer: an enabled device of a user. */
export const mfaDeviceSchema = z.object({
  userName: z.string().optional(),
  serialNumber: z.string(),
  enableDate: date.optional(),
  certifications: z.record(z.string(), z.string()).optional(),
});

/** One service of ListPoliciesGrantingServiceAccess and the policies allowing its actions. */
export const serviceAccessPoliciesSchema = z.object({
  serviceNamespace: z.string(),
  policies: z.array(
    z.object({
      policyName: z.string(),
      policyType: z.enum(['INLINE', 'MANAGED']),
      policyArn: arn.optional(),
      entityType: z.enum(['USER', 'ROLE', 'GROUP']).optional(),
      entityName: z.string().optional(),
    }),
  ),
});

/** The named schemas published under `components.schemas`. */
export const namedSchemas = {
  Tag: tagSchema,
  User: userSchema,
  Group: groupSchema,
  Role: roleSchema,
  Policy: policySchema,
  PolicyVersion: policyVersionSchema,
  AttachedPolicy: attachedPolicySchema,
  InlinePolicy: inlinePolicySchema,
  AccessKey: accessKeySchema,
  AccessKeyMetadata: accessKeyMetadataSchema,
  AccessKeyLastUsed: accessKeyLastUsedSchema,
  AccountAlias: accountAliasSchema,
  AccountSummary: accountSummarySchema,
  PasswordPolicy: passwordPolicySchema,
  AuthorizationDetails: authorizationDetailsSchema,
  Account: accountSchema,
  CreatedAccount: createdAccountSchema,
  CredentialReportState: credentialReportStateSchema,
  CredentialReport: credentialReportSchema,
  ServiceLastAccessedJob: serviceLastAccessedJobSchema,
  ServiceLastAccessedDetails: serviceLastAccessedDetailsSchema,
  ServiceLastAccessedEntities: serviceLastAccessedEntitiesSchema,
  Error: errorSchema,
  PolicyEntities: policyEntitiesSchema,
  MfaDevice: mfaDeviceSchema,
  ServiceAccessPolicies: serviceAccessPoliciesSchema,
} as const;

/** A name under `components.schemas`. */
export type SchemaName = keyof typeof namedSchemas;
