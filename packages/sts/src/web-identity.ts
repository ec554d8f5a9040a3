/**
 * AssumeRoleWithWebIdentity: unsigned, the web identity token is the proof. The token's issuer
 * names an OIDC provider registered in the role's account; the token is verified against the
 * issuer's keys and the provider's client ids; then the role's trust policy decides, with the
 * provider's ARN as the principal and `<provider>:aud`, `:sub` and `:amr` as context.
 */
import { fail, ok, type Result } from '@palisade/failures';
import { parseOidcProviderUrl } from '@palisade/iam';
import { compilePrincipalPolicies, evaluate } from '@palisade/policy';
import { contextKeys, parseArnOf, parseInput, type RequestOrigin } from '@palisade/principals';
import { getOidcProvider, type OidcProviderRecord, setAuditPrincipal } from '@palisade/store';
import { z } from 'zod';
import { unverifiedIssuer } from './oidc-tokens.ts';
import {
  findAssumableRole,
  openRoleSession,
  roleSessionArn,
  roleSessionDuration,
  trustPolicyOf,
} from './role-sessions.ts';
import { packedPolicyAnswer, resolveSessionPolicies } from './session-policies.ts';
import { composeSessionTags } from './session-tags.ts';
import type { StsContext } from './sts-context.ts';
import {
  policyArns,
  roleArn,
  roleDurationSeconds,
  roleSessionName,
  sessionPolicy,
  webIdentityToken,
} from './sts-inputs.ts';

/** An STS action that is not signed: its input carries its own proof of identity. */
export type UnsignedStsOperation = (
  input: unknown,
  origin: RequestOrigin,
) => Promise<Result<object | undefined>>;

const webIdentityInput = z.object({
  RoleArn: roleArn,
  RoleSessionName: roleSessionName,
  WebIdentityToken: webIdentityToken,
  ProviderId: z.string().min(4).max(2048).optional(),
  PolicyArns: policyArns.optional(),
  Policy: sessionPolicy.optional(),
  DurationSeconds: roleDurationSeconds.optional(),
});

const NOT_AUTHORIZED = 'Not authorized to perform sts:AssumeRoleWithWebIdentity';
// Principal policies of a web identity: none; the trust policy alone grants.
const NO_IDENTITY_POLICIES = compilePrincipalPolicies({ identityPolicies: [] });

/** The AssumeRoleWithWebIdentity operation (unsigned). */
export function assumeRoleWithWebIdentityOperation(context: StsContext): UnsignedStsOperation {
  return async (rawInput, origin) => {
    const parsed = parseInput(webIdentityInput, rawInput);
    if (!parsed.ok) return parsed;
    const input = parsed.value;
    const now = context.now();

    // INVARIANT: the token is verified before the role is looked up, and every answer about the
    // role (missing, not trusting, or its limits) comes after its trust policy allowed the token: an
    // unauthenticated caller must not learn which roles exist.
    const issuer = unverifiedIssuer(input.WebIdentityToken);
    if (issuer === undefined)
      return fail('credentials.invalid-identity-token', 'The web identity token is not a valid JWT.');
    const roleAccountId = parseArnOf(context.partition, 'role', input.RoleArn)?.accountId;
    // Any scheme finds the provider; the verifier then refuses issuers this deployment may not fetch.
    const providerId = parseOidcProviderUrl(issuer, { allowLoopbackIssuers: true })?.providerId;
    const provider: OidcProviderRecord | undefined =
      providerId && roleAccountId
        ? await getOidcProvider(context.store, roleAccountId, providerId)
        : undefined;
    if (!provider) {
      return fail(
        'credentials.invalid-identity-token',
        `No OpenIDConnect provider found in your account for ${issuer}`,
      );
    }
    const claims = await context.verifyWebIdentity(input.WebIdentityToken, provider, now);
    if (!claims.ok) return claims;
    // The call's audit event names the token's subject, as CloudTrail does, once the token is verified.
    setAuditPrincipal({
      type: 'web-identity',
      principalId: `${provider.providerId}:${claims.value.audience}:${claims.value.subject}`,
      userName: claims.value.subject,
      identityProvider: provider.providerId,
    });

    // Tags from the token's claim are session tags passed by the provider: the trust policy sees
    // them as request tags and must also allow sts:TagSession, as for AssumeRole.
    const tags = composeSessionTags(
      claims.value.sessionTags?.tags ?? [],
      claims.value.sessionTags?.transitiveTagKeys ?? [],
      undefined,
    );
    if (!tags.ok) return tags;
    const role = await findAssumableRole(context, input.RoleArn);
    if (!role) return fail('access.denied', NOT_AUTHORIZED);
    const source = claims.value.sourceIdentity;
    const allows = (action: string) =>
      evaluate(
        {
          principal: provider.arn,
          action,
          resource: role.arn,
          resourceAccount: role.accountId,
          context: {
            [`${provider.providerId}:aud`]: claims.value.audience,
            [`${provider.providerId}:sub`]: claims.value.subject,
            ...(claims.value.amr.length > 0 ? { [`${provider.providerId}:amr`]: [...claims.value.amr] } : {}),
            'aws:FederatedProvider': provider.arn,
            ...contextKeys({
              now,
              origin,
              action: {
                name: 'sts:AssumeRoleWithWebIdentity',
                facts: {
                  roleSessionName: input.RoleSessionName,
                  resourceTags: role.tags,
                  ...(source !== undefined ? { sourceIdentity: source } : {}),
                },
              },
            }),
            ...tags.value.context,
          },
        },
        NO_IDENTITY_POLICIES,
        trustPolicyOf(role),
      ).decision === 'allowed';
    if (!allows('sts:AssumeRoleWithWebIdentity')) return fail('access.denied', NOT_AUTHORIZED);
    if (tags.value.tagged && !allows('sts:TagSession'))
      return fail('access.denied', 'Not authorized to perform sts:TagSession');
    // A source identity from the token is set as AssumeRole's is: the trust policy must allow it.
    if (source !== undefined && !allows('sts:SetSourceIdentity'))
      return fail('access.denied', 'Not authorized to perform sts:SetSourceIdentity');

    const duration = roleSessionDuration(input.DurationSeconds, role, false);
    if (!duration.ok) return duration;
    // Tags from the token are the provider's, not the request's: they are not packed.
    const packed = packedPolicyAnswer({ Policy: input.Policy, PolicyArns: input.PolicyArns });
    if (!packed.ok) return packed;
    const policies = await resolveSessionPolicies(
      context,
      role.accountId,
      roleSessionArn(role, input.RoleSessionName),
      {
        policy: input.Policy,
        policyArns: input.PolicyArns,
      },
    );
    if (!policies.ok) return policies;
    const opened = await openRoleSession(
      context,
      {
        role,
        sessionName: input.RoleSessionName,
        durationSeconds: duration.value,
        sessionPolicies: policies.value,
        tags: tags.value,
        sourceIdentity: source,
        chained: false,
        federation: {
          provider: provider.arn,
          subject: claims.value.subject,
          audience: claims.value.audience,
        },
        region: origin.requestedRegion,
      },
      now,
    );
    if (!opened.ok) return opened;
    return ok({
      Credentials: opened.value.credentials,
      SubjectFromWebIdentityToken: claims.value.subject,
      AssumedRoleUser: opened.value.assumedRoleUser,
      ...packed.value,
      Provider: claims.value.issuer,
      Audience: claims.value.audience,
      ...(source !== undefined ? { SourceIdentity: source } : {}),
    });
  };
}
