/**
 * IAM OIDC identity providers: Create/Get/List/DeleteOpenIDConnectProvider, client ids and
 * thumbprints. A provider is what AssumeRoleWithWebIdentity trusts: its URL is the issuer tokens
 * must name, its client ids the audiences they may carry, and its ARN
 * (`arn:<p>:iam::<account>:oidc-provider/<host/path>`) the `Federated` principal of trust policies.
 */
import { fail, ok, type Result } from '@palisade/failures';
import {
  type Caller,
  denialOf,
  list,
  type OperationTable,
  oidcProviderArn,
  operation,
  parseArnOf,
  type RequestFacts,
} from '@palisade/principals';
import {
  deleteOidcProvider,
  getOidcProvider,
  keyPatterns,
  listOidcProviders,
  type OidcProviderRecord,
  putNewOidcProvider,
  updateOidcProvider,
} from '@palisade/store';
import { z } from 'zod';
import type { IamContext } from './iam-context.ts';
import { tags } from './iam-inputs.ts';
import { tenantOperations } from './tenant-operations.ts';

/** IAM's quota of OIDC providers per account. */
export const OIDC_PROVIDERS_PER_ACCOUNT = 100;
/** IAM's limit of client ids per provider. */
export const CLIENT_IDS_PER_PROVIDER = 100;

/** How provider URLs are checked in this deployment. */
export interface OidcProviderOptions {
  /** Allow 127.0.0.1, localhost and [::1], over http too (the explicit development flag only). */
  readonly allowLoopbackIssuers: boolean;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The issuer and host/path of a provider URL, or undefined when IAM would refuse it. */
export function parseOidcProviderUrl(
  url: string,
  options: OidcProviderOptions,
): { issuer: string; providerId: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const loopback = LOOPBACK_HOSTS.has(parsed.hostname);
  // Only the development flag admits a loopback issuer (STS would refuse to fetch it anyway).
  if (loopback && !options.allowLoopbackIssuers) return undefined;
  const schemeAllowed = parsed.protocol === 'https:' || (loopback && parsed.protocol === 'http:');
  if (!schemeAllowed) return undefined;
  if (parsed.search !== '' || parsed.hash !== '' || parsed.username !== '' || parsed.password !== '')
    return undefined;
  // Only a local issuer needs a port; a public one is named by its host and path alone, as in IAM.
  if (parsed.port !== '' && !loopback) return undefined;
  const path = parsed.pathname === '/' ? '' : parsed.pathname.replace(/\/$/, '');
  const providerId = `${parsed.host.toLowerCase()}${path}`;
  if (providerId.length > 255 || !keyPatterns.oidcProviderId.test(providerId)) return undefined;
  return { issuer: `${parsed.protocol}//${providerId}`, providerId };
}

const providerArnInput = z.string().min(20).max(2048);
const clientId = z
  .string()
  .min(1, 'Member must have length greater than or equal to 1')
  .max(255, 'Member must have length less than or equal to 255');
const thumbprint = z
  .string()
  .regex(/^[0-9a-fA-F]{40}$/, 'Member must have length 40 and be hexadecimal')
  .transform((value) => value.toLowerCase());
const thumbprints = list(thumbprint, 5);

/**
 * Loads the caller's own provider named by an ARN after authorizing `action` on it, with the
 * provider's tags and the request's own `facts` as context.
 */
export async function loadAuthorizedOidcProvider(
  context: IamContext,
  caller: Caller,
  arn: string,
  action: string,
  facts: RequestFacts = {},
): Promise<Result<OidcProviderRecord>> {
  const parts = parseArnOf(context.partition, 'oidc-provider', arn);
  if (!parts) return fail('request.invalid-input', `ARN ${arn} is not valid.`);
  const providerId = parts.providerId;
  const valid =
    parts.accountId === caller.accountId &&
    providerId !== undefined &&
    providerId.length <= 255 &&
    keyPatterns.oidcProviderId.test(providerId);
  // Read before authorizing so the provider's tags are context; a denial still comes first.
  const record = valid ? await getOidcProvider(context.store, caller.accountId, providerId) : undefined;
  const denied = denialOf(caller, action, arn, {
    ...(record ? { resourceTags: record.tags } : {}),
    ...facts,
  });
  if (denied) return denied;
  return record ? ok(record) : fail('entity.not-found', `OpenIDConnect Provider not found for arn ${arn}`);
}

/** The OIDC provider operations, by AWS action name. */
export function oidcProviderOperations(context: IamContext, options: OidcProviderOptions) {
  const loadAuthorizedProvider = (caller: Caller, arn: string, action: string) =>
    loadAuthorizedOidcProvider(context, caller, arn, action);

  return tenantOperations({
    CreateOpenIDConnectProvider: operation(
      z.object({
        Url: z.string().min(1).max(255),
        ClientIDList: list(clientId, CLIENT_IDS_PER_PROVIDER).optional(),
        ThumbprintList: thumbprints.optional(),
        Tags: tags.optional(),
      }),
      async (caller, input) => {
        const parsed = parseOidcProviderUrl(input.Url, options);
        if (!parsed) {
          return fail(
            'request.invalid-input',
            options.allowLoopbackIssuers
              ? 'The URL must begin with https:// (or http:// on a loopback host) and have no query or fragment.'
              : 'The URL must begin with https:// and have no port, query or fragment.',
          );
        }
        const arn = oidcProviderArn(context.partition, caller.accountId, parsed.providerId);
        const denied = denialOf(
          caller,
          'iam:CreateOpenIDConnectProvider',
          arn,
          input.Tags ? { requestTags: input.Tags } : {},
        );
        if (denied) return denied;
        const created = await putNewOidcProvider(
          context.store,
          {
            accountId: caller.accountId,
            providerId: parsed.providerId,
            issuer: parsed.issuer,
            arn,
            clientIds: [...new Set(input.ClientIDList ?? [])],
            thumbprints: [...new Set(input.ThumbprintList ?? [])],
            tags: input.Tags ?? [],
            createdAt: context.now().toISOString(),
          },
          OIDC_PROVIDERS_PER_ACCOUNT,
        );
        if (!created.ok) return created;
        return ok({
          OpenIDConnectProviderArn: arn,
          ...(created.value.tags.length > 0 ? { Tags: created.value.tags } : {}),
        });
      },
    ),

    GetOpenIDConnectProvider: operation(
      z.object({ OpenIDConnectProviderArn: providerArnInput }),
      async (caller, input) => {
        const provider = await loadAuthorizedProvider(
          caller,
          input.OpenIDConnectProviderArn,
          'iam:GetOpenIDConnectProvider',
        );
        if (!provider.ok) return provider;
        const p = provider.value;
        return ok({
          Url: p.providerId,
          ClientIDList: p.clientIds,
          ThumbprintList: p.thumbprints,
          CreateDate: new Date(p.createdAt),
          ...(p.tags.length > 0 ? { Tags: p.tags } : {}),
        });
      },
    ),

    ListOpenIDConnectProviders: operation(z.object({}), async (caller) => {
      const denied = denialOf(caller, 'iam:ListOpenIDConnectProviders', '*');
      if (denied) return denied;
      const providers = await listOidcProviders(context.store, caller.accountId);
      return ok({ OpenIDConnectProviderList: providers.map((p) => ({ Arn: p.arn })) });
    }),

    DeleteOpenIDConnectProvider: operation(
      z.object({ OpenIDConnectProviderArn: providerArnInput }),
      async (caller, input) => {
        const provider = await loadAuthorizedProvider(
          caller,
          input.OpenIDConnectProviderArn,
          'iam:DeleteOpenIDConnectProvider',
        );
        if (!provider.ok) return provider;
        const deleted = await deleteOidcProvider(context.store, provider.value);
        return deleted.ok ? ok(undefined) : deleted;
      },
    ),

    AddClientIDToOpenIDConnectProvider: operation(
      z.object({ OpenIDConnectProviderArn: providerArnInput, ClientID: clientId }),
      async (caller, input) => {
        const provider = await loadAuthorizedProvider(
          caller,
          input.OpenIDConnectProviderArn,
          'iam:AddClientIDToOpenIDConnectProvider',
        );
        if (!provider.ok) return provider;
        // Adding a client id the provider already has succeeds without change, as in IAM.
        if (provider.value.clientIds.includes(input.ClientID)) return ok(undefined);
        if (provider.value.clientIds.length >= CLIENT_IDS_PER_PROVIDER) {
          return fail(
            'quota.exceeded',
            `Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${CLIENT_IDS_PER_PROVIDER}`,
          );
        }
        const updated = await updateOidcProvider(context.store, provider.value, {
          clientIds: [...provider.value.clientIds, input.ClientID],
        });
        return updated.ok ? ok(undefined) : updated;
      },
    ),

    RemoveClientIDFromOpenIDConnectProvider: operation(
      z.object({ OpenIDConnectProviderArn: providerArnInput, ClientID: clientId }),
      async (caller, input) => {
        const provider = await loadAuthorizedProvider(
          caller,
          input.OpenIDConnectProviderArn,
          'iam:RemoveClientIDFromOpenIDConnectProvider',
        );
        if (!provider.ok) return provider;
        if (!provider.value.clientIds.includes(input.ClientID)) return ok(undefined);
        const updated = await updateOidcProvider(context.store, provider.value, {
          clientIds: provider.value.clientIds.filter((id) => id !== input.ClientID),
        });
        return updated.ok ? ok(undefined) : updated;
      },
    ),

    UpdateOpenIDConnectProviderThumbprint: operation(
      z.object({ OpenIDConnectProviderArn: providerArnInput, ThumbprintList: thumbprints }),
      async (caller, input) => {
        const provider = await loadAuthorizedProvider(
          caller,
          input.OpenIDConnectProviderArn,
          'iam:UpdateOpenIDConnectProviderThumbprint',
        );
        if (!provider.ok) return provider;
        const updated = await updateOidcProvider(context.store, provider.value, {
          thumbprints: [...new Set(input.ThumbprintList)],
        });
        return updated.ok ? ok(undefined) : updated;
      },
    ),
  } satisfies OperationTable);
}
