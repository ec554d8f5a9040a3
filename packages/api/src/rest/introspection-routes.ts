/**
 * The REST routes of issue #15's last IAM operations (GetMFADevice, ResyncMFADevice and
 * ListPoliciesGrantingServiceAccess), each served by its IAM operation like every identity route.
 * UpdateRoleDescription has none: `PATCH /v1/roles/{roleName}` (UpdateRole) sets the description
 * already. The GetContextKeys operations are the policy simulator's (decision-routes.ts).
 */
import type { IdentityRoute } from './route-model.ts';

/** The MFA device and service access routes. */
export function introspectionRoutes(): IdentityRoute[] {
  const device = '/v1/users/{userName}/mfa-devices/{serialNumber}';
  return [
    {
      method: 'get',
      path: device,
      operation: 'GetMFADevice',
      summary: "Read one of a user's enabled MFA devices",
      description: 'The serial number (the virtual device ARN) is URL-encoded in the path.',
      tag: 'MFA devices',
      status: 200,
      response: { schema: 'MfaDevice' },
    },
    {
      method: 'post',
      path: `${device}/resync`,
      operation: 'ResyncMFADevice',
      summary: "Resynchronize a user's MFA device with two consecutive codes",
      tag: 'MFA devices',
      body: {
        authenticationCode1: { member: 'AuthenticationCode1', required: true, description: 'A code.' },
        authenticationCode2: {
          member: 'AuthenticationCode2',
          required: true,
          description: 'The code that follows it.',
        },
      },
      status: 204,
    },
    {
      method: 'get',
      path: '/v1/policies-granting-service-access',
      operation: 'ListPoliciesGrantingServiceAccess',
      summary: "The policies of a user, group or role that allow each service's actions",
      tag: 'Policy introspection',
      query: {
        arn: { member: 'Arn', description: 'The ARN of a user, group or role.' },
        serviceNamespaces: {
          member: 'ServiceNamespaces',
          repeated: true,
          description: 'A service namespace (`iam`, `sts`, …); repeat for several.',
        },
      },
      status: 200,
      // One page: AWS answers every asked service at once (IsTruncated is always false here).
      render: (output) => ({ items: output.PoliciesGrantingServiceAccess }),
      response: { schema: 'ServiceAccessPolicies', list: true },
    },
  ];
}
