/**
 * The compliance routes (issue #15): the account's credential report and access advisor's service
 * last accessed details, each served by its IAM operation like every identity route.
 */
import type { IdentityRoute, QueryField } from './route-model.ts';

const paging: Readonly<Record<string, QueryField>> = {
  limit: { member: 'MaxItems', description: 'Largest number of items to return (1–1000).' },
  cursor: { member: 'Marker', description: 'The `nextCursor` of the previous page.' },
};

/** A job's page: its members as they are, the Marker as `nextCursor`. */
function jobPage<T extends { readonly Marker?: string; readonly IsTruncated?: boolean }>(output: T) {
  const { Marker, IsTruncated: _truncated, ...rest } = output;
  return { ...rest, ...(Marker !== undefined ? { nextCursor: Marker } : {}) };
}

/** The credential report and access advisor routes. */
export function complianceRoutes(): IdentityRoute[] {
  const tag = 'Compliance';
  return [
    {
      method: 'post',
      path: '/v1/account/credential-report',
      operation: 'GenerateCredentialReport',
      summary:
        "Generate the account's credential report (COMPLETE while the last one is under four hours old)",
      tag,
      status: 200,
      response: { schema: 'CredentialReportState' },
    },
    {
      method: 'get',
      path: '/v1/account/credential-report',
      operation: 'GetCredentialReport',
      summary: "The account's credential report, as CSV text (AWS's columns)",
      tag,
      status: 200,
      render: (output) => ({ ...output, Content: Buffer.from(output.Content).toString('utf8') }),
      response: { schema: 'CredentialReport' },
    },
    {
      method: 'post',
      path: '/v1/access-advisor/jobs',
      operation: 'GenerateServiceLastAccessedDetails',
      summary: 'Report when a user, group or role last used each service (completes at once)',
      tag,
      body: {
        arn: { member: 'Arn', required: true, description: 'The ARN of a user, group or role.' },
        granularity: { member: 'Granularity', description: '`SERVICE_LEVEL` (default) or `ACTION_LEVEL`.' },
      },
      status: 200,
      response: { schema: 'ServiceLastAccessedJob' },
    },
    {
      method: 'get',
      path: '/v1/access-advisor/jobs/{jobId}',
      operation: 'GetServiceLastAccessedDetails',
      summary: "A job's services, with when and by whom each was last used",
      tag,
      query: paging,
      status: 200,
      render: jobPage,
      response: { schema: 'ServiceLastAccessedDetails' },
    },
    {
      method: 'get',
      path: '/v1/access-advisor/jobs/{jobId}/services/{serviceNamespace}',
      operation: 'GetServiceLastAccessedDetailsWithEntities',
      summary: 'The entities of a job that used one service, and when each last did',
      tag,
      query: paging,
      status: 200,
      render: jobPage,
      response: { schema: 'ServiceLastAccessedEntities' },
    },
  ];
}
