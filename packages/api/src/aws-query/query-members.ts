/**
 * The only member names the generic codec treats specially. AWS's XML alone cannot tell a policy
 * document from other text, nor a string-keyed map from a structure; these sets carry that
 * knowledge, taken from the IAM model (botocore `iam/2010-05-08/service-2.json`).
 */

/**
 * Output members whose values are policy documents (the model's `policyDocumentType`). AWS IAM
 * returns them URL-encoded (`encodeURIComponent` of the JSON); botocore and the AWS CLI decode them
 * back to JSON, the JavaScript SDK v3 hands them over still encoded.
 */
export const policyDocumentMembers: ReadonlySet<string> = new Set([
  'PolicyDocument', // GetUserPolicy, GetRolePolicy, GetGroupPolicy, *PolicyList in GetAccountAuthorizationDetails
  'AssumeRolePolicyDocument', // Role in GetRole, CreateRole, ListRoles, instance profiles, RoleDetail
  'Document', // PolicyVersion in GetPolicyVersion, ListPolicyVersions, CreatePolicyVersion
]);

/**
 * Output members whose values are string-keyed maps, rendered as `<entry><key/><value/></entry>`
 * when a service returns them as plain records (a JavaScript `Map` is always rendered that way).
 */
export const mapMembers: ReadonlySet<string> = new Set([
  'SummaryMap', // GetAccountSummary
  'EvalDecisionDetails', // SimulatePrincipalPolicy, SimulateCustomPolicy
  'Certifications', // GetMFADevice
]);
