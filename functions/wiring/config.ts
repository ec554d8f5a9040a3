/**
 * Platform configuration: SST-linked resources in AWS, plain environment variables locally. This
 * is the only module that reads `Resource`.
 */
import { Resource } from 'sst/resource';
import { type EventDeliveryConfig, readEventDeliveryConfig } from './event-delivery-config.ts';

/** Everything the platform needs to know about where it runs. */
export interface PlatformConfig {
  readonly tableName: string;
  /** Set locally (DynamoDB Local); absent in AWS, where the SDK finds DynamoDB itself. */
  readonly dynamodbEndpoint?: string;
  readonly operatorAccessKeyId: string;
  readonly operatorSecretAccessKey: string;
  /** 32 bytes, base64 (comma-separated, newest first, to rotate): encrypts secrets at rest. */
  readonly masterKey: string;
  /** The ARN partition of every ARN this deployment issues (`aws` keeps AWS policies portable). */
  readonly partition: string;
  /** The `iss` of sign-in access tokens (PALISADE_ISSUER); the local origin when unset. */
  readonly issuer?: string;
  /**
   * OIDC providers may be plain http on a loopback host (PALISADE_DEV_ALLOW_LOOPBACK_OIDC=1):
   * development and tests only. Off unless set explicitly; no other setting implies it.
   */
  readonly devAllowLoopbackOidc?: boolean;
  /**
   * The header the deployment's own proxies put the client address in (PALISADE_TRUSTED_PROXY_HEADER)
   * and how many of them there are (PALISADE_TRUSTED_PROXY_HOPS, default 1). Unset: the peer's address.
   */
  readonly trustedProxy?: { readonly header: string; readonly hops: number };
  /** Milliseconds one DynamoDB attempt may take before it fails (DYNAMODB_TIMEOUT_MS); see StoreOptions. */
  readonly dynamodbTimeoutMs?: number;
  /** Days audit events are kept, by TTL (PALISADE_AUDIT_RETENTION_DAYS; the store's default, 90, when unset). */
  readonly auditRetentionDays?: number;
  /** Outbound webhooks (PALISADE_WEBHOOK_ALLOW_PRIVATE, PALISADE_EVENT_RETRY_SCHEDULE): event-delivery.ts. */
  readonly events?: EventDeliveryConfig;
}

/** True when the environment explicitly enables loopback OIDC issuers (the value `1` only). */
export function devAllowLoopbackOidc(env: NodeJS.ProcessEnv): boolean {
  return env.PALISADE_DEV_ALLOW_LOOPBACK_OIDC === '1';
}

type Linked = Record<string, { name?: string; value?: string; url?: string } | undefined>;

function linkedValue(name: string, field: 'name' | 'value' | 'url'): string | undefined {
  // `in` on SST's Resource proxy is safe when links are absent, unlike property access.
  if (!(name in Resource)) return undefined;
  return (Resource as unknown as Linked)[name]?.[field];
}

/** The URL of the queue of event deliveries (the SST link EventDeliveries, else PALISADE_EVENT_QUEUE_URL). */
export function readEventQueueUrl(env: NodeJS.ProcessEnv = process.env): string {
  const url = linkedValue('EventDeliveries', 'url') ?? env.PALISADE_EVENT_QUEUE_URL;
  if (!url) throw new Error('Missing configuration: link EventDeliveries or set PALISADE_EVENT_QUEUE_URL.');
  return url;
}

/** Where the table is: all the migration function needs (it is linked to no secret). */
export type StoreConfig = Pick<
  PlatformConfig,
  'tableName' | 'dynamodbEndpoint' | 'dynamodbTimeoutMs' | 'auditRetentionDays'
>;

function picker(env: NodeJS.ProcessEnv) {
  return (link: string, field: 'name' | 'value', variable: string): string => {
    const value = linkedValue(link, field) ?? env[variable];
    if (!value) throw new Error(`Missing configuration: link ${link} or set ${variable}.`);
    return value;
  };
}

/** Reads where the table is, preferring the SST link and falling back to environment variables. */
export function readStoreConfig(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  return {
    tableName: picker(env)('Table', 'name', 'TABLE_NAME'),
    ...(env.DYNAMODB_ENDPOINT ? { dynamodbEndpoint: env.DYNAMODB_ENDPOINT } : {}),
    ...(env.DYNAMODB_TIMEOUT_MS
      ? { dynamodbTimeoutMs: positiveInteger(env.DYNAMODB_TIMEOUT_MS, 'DYNAMODB_TIMEOUT_MS') }
      : {}),
    ...(env.PALISADE_AUDIT_RETENTION_DAYS
      ? {
          auditRetentionDays: positiveInteger(
            env.PALISADE_AUDIT_RETENTION_DAYS,
            'PALISADE_AUDIT_RETENTION_DAYS',
          ),
        }
      : {}),
  };
}

/** The master key alone (the event delivery function opens signing secrets and needs nothing else secret). */
export function readMasterKey(env: NodeJS.ProcessEnv = process.env): string {
  return picker(env)('MasterKey', 'value', 'PALISADE_MASTER_KEY');
}

/** Reads the configuration, preferring SST links and falling back to environment variables. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const pick = picker(env);
  return {
    ...readStoreConfig(env),
    operatorAccessKeyId: pick('OperatorAccessKeyId', 'value', 'PALISADE_OPERATOR_ACCESS_KEY_ID'),
    operatorSecretAccessKey: pick('OperatorSecretAccessKey', 'value', 'PALISADE_OPERATOR_SECRET_ACCESS_KEY'),
    masterKey: pick('MasterKey', 'value', 'PALISADE_MASTER_KEY'),
    partition: env.PALISADE_PARTITION || 'aws',
    ...(env.PALISADE_ISSUER ? { issuer: env.PALISADE_ISSUER } : {}),
    devAllowLoopbackOidc: devAllowLoopbackOidc(env),
    ...trustedProxyOf(env),
    events: readEventDeliveryConfig(env),
  };
}

/** The trusted proxy settings; a malformed value stops start-up rather than trusting a guess. */
function trustedProxyOf(env: NodeJS.ProcessEnv): Pick<PlatformConfig, 'trustedProxy'> {
  const header = env.PALISADE_TRUSTED_PROXY_HEADER?.trim().toLowerCase();
  const hopsText = env.PALISADE_TRUSTED_PROXY_HOPS?.trim();
  if (!header) {
    if (hopsText)
      throw new Error('PALISADE_TRUSTED_PROXY_HOPS is set without PALISADE_TRUSTED_PROXY_HEADER.');
    return {};
  }
  if (!/^[a-z0-9-]{1,64}$/.test(header)) {
    throw new Error('PALISADE_TRUSTED_PROXY_HEADER must be a header name, e.g. x-forwarded-for.');
  }
  const hops = hopsText ? Number(hopsText) : 1;
  if (!Number.isInteger(hops) || hops < 1 || hops > 10) {
    throw new Error('PALISADE_TRUSTED_PROXY_HOPS must be a whole number from 1 to 10.');
  }
  return { trustedProxy: { header, hops } };
}

/** The `iss` of access tokens: the configured issuer, or the default local origin. */
export function issuerOf(config: PlatformConfig): string {
  return config.issuer ?? 'http://127.0.0.1:4000';
}

function positiveInteger(text: string, variable: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${variable} must be a positive integer.`);
  return value;
}
