import { describe, expect, it } from 'vitest';
import { buildAuditEvent, buildCloudTrailRecord, type CloudTrailRecord, HIDDEN } from '../src/index.ts';
import { createUserDetails, ROLE_ORIGIN, ROOT_ORIGIN, USER_ORIGIN } from './support/audit-events.ts';

const AT = new Date('2026-12-07T07:30:00.123Z');
const EVENT_ID = '6f1c9a4e-2b7d-4c1e-9f3a-0a1b2c3d4e5f';
const ACCOUNT = { accountId: '111122223333' };

describe('buildCloudTrailRecord', () => {
  it('describes an IAM user caller as CloudTrail does', () => {
    const record = buildCloudTrailRecord({
      origin: USER_ORIGIN,
      details: createUserDetails('bob'),
      scope: ACCOUNT,
      at: AT,
      eventId: EVENT_ID,
    });
    expect(record).toEqual({
      eventVersion: '1.08',
      userIdentity: {
        type: 'IAMUser',
        principalId: 'AIDAEXAMPLEALICE0001',
        arn: 'arn:aws:iam::111122223333:user/alice',
        accountId: '111122223333',
        accessKeyId: 'AKIAEXAMPLEALICE0001',
        userName: 'alice',
      },
      eventTime: '2026-12-07T07:30:00Z',
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateUser',
      awsRegion: 'us-east-1',
      sourceIPAddress: '192.0.2.10',
      userAgent: 'aws-cli/2.9.19',
      requestParameters: { userName: 'bob' },
      responseElements: null,
      requestID: 'req-user-1',
      eventID: EVENT_ID,
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: '111122223333',
      eventCategory: 'Management',
    });
  });

  it('describes the root as Root with the account as its principal id and no user name', () => {
    const record = buildCloudTrailRecord({
      origin: ROOT_ORIGIN,
      details: createUserDetails('bob'),
      scope: ACCOUNT,
      at: AT,
      eventId: EVENT_ID,
    });
    expect(record.userIdentity).toEqual({
      type: 'Root',
      principalId: '111122223333',
      arn: 'arn:aws:iam::111122223333:root',
      accountId: '111122223333',
      accessKeyId: 'AKIAEXAMPLEROOT00001',
    });
    expect(record).not.toHaveProperty('userAgent');
  });

  it('describes a role session with its issuer and session attributes', () => {
    const record = buildCloudTrailRecord({
      origin: ROLE_ORIGIN,
      details: createUserDetails('bob'),
      scope: ACCOUNT,
      at: AT,
      eventId: EVENT_ID,
    });
    expect(record.userIdentity).toEqual({
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLEDEPLOYER1:ci-run',
      arn: 'arn:aws:sts::111122223333:assumed-role/deployer/ci-run',
      accountId: '111122223333',
      accessKeyId: 'ASIAEXAMPLESESSION01',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLEDEPLOYER1',
          arn: 'arn:aws:iam::111122223333:role/deployer',
          accountId: '111122223333',
          userName: 'deployer',
        },
        attributes: { creationDate: '2026-12-07T07:00:00Z', mfaAuthenticated: 'true' },
      },
    });
  });

  it("names a role session's issuer by the role's ARN with its path, and its source identity and federation", () => {
    const record = buildCloudTrailRecord({
      origin: {
        ...ROLE_ORIGIN,
        principal: {
          ...ROLE_ORIGIN.principal,
          type: 'assumed-role',
          sessionIssuerArn: 'arn:aws:iam::111122223333:role/ci/deployer',
          sourceIdentity: 'alice@example.com',
          webIdentityProvider: 'arn:aws:iam::111122223333:oidc-provider/token.actions.example.com',
        },
      },
      details: createUserDetails('bob'),
      scope: ACCOUNT,
      at: AT,
      eventId: EVENT_ID,
    });
    expect(record.userIdentity.sessionContext).toEqual({
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLEDEPLOYER1',
        arn: 'arn:aws:iam::111122223333:role/ci/deployer',
        accountId: '111122223333',
        userName: 'deployer',
      },
      webIdFederationData: {
        federatedProvider: 'arn:aws:iam::111122223333:oidc-provider/token.actions.example.com',
        attributes: {},
      },
      attributes: { creationDate: '2026-12-07T07:00:00Z', mfaAuthenticated: 'true' },
      sourceIdentity: 'alice@example.com',
    });
  });

  it('describes the caller of AssumeRoleWithWebIdentity as a WebIdentityUser of its provider', () => {
    const record = buildCloudTrailRecord({
      origin: {
        via: 'sts-query',
        operation: 'AssumeRoleWithWebIdentity',
        requestId: 'req-web-1',
        principal: {
          type: 'web-identity',
          principalId: 'token.actions.example.com:sts.amazonaws.com:repo:acme/app',
          userName: 'repo:acme/app',
          identityProvider: 'token.actions.example.com',
        },
      },
      details: {
        eventSource: 'sts.amazonaws.com',
        eventName: 'AssumeRoleWithWebIdentity',
        readOnly: true,
        requestParameters: null,
      },
      scope: ACCOUNT,
      at: AT,
      eventId: EVENT_ID,
    });
    expect(record.userIdentity).toEqual({
      type: 'WebIdentityUser',
      principalId: 'token.actions.example.com:sts.amazonaws.com:repo:acme/app',
      userName: 'repo:acme/app',
      identityProvider: 'token.actions.example.com',
    });
  });

  it('describes a GetFederationToken session as a FederatedUser named <account>:<name>', () => {
    const record = buildCloudTrailRecord({
      origin: {
        ...USER_ORIGIN,
        principal: {
          type: 'federated-user',
          arn: 'arn:aws:sts::111122223333:federated-user/app-7',
          accountId: '111122223333',
          principalId: '111122223333:app-7',
          accessKeyId: 'ASIAEXAMPLEFEDERATE1',
          sessionIssuedAt: '2026-12-07T07:00:00.000Z',
          mfaAuthenticated: false,
        },
      },
      details: createUserDetails('bob'),
      scope: ACCOUNT,
      at: AT,
      eventId: EVENT_ID,
    });
    expect(record.userIdentity).toEqual({
      type: 'FederatedUser',
      principalId: '111122223333:app-7',
      arn: 'arn:aws:sts::111122223333:federated-user/app-7',
      accountId: '111122223333',
      accessKeyId: 'ASIAEXAMPLEFEDERATE1',
      sessionContext: { attributes: { creationDate: '2026-12-07T07:00:00Z', mfaAuthenticated: 'false' } },
    });
  });

  it('files a sign-in as ConsoleLogin with its outcome and MFA use', () => {
    const record = buildCloudTrailRecord({
      origin: { ...USER_ORIGIN, via: 'sign-in', operation: 'SignIn' },
      details: {
        eventSource: 'signin.amazonaws.com',
        eventName: 'ConsoleLogin',
        readOnly: false,
        eventType: 'AwsConsoleSignIn',
        requestParameters: null,
        responseElements: { ConsoleLogin: 'Failure' },
        additionalEventData: { MFAUsed: 'Yes' },
        errorMessage: 'Failed authentication',
      },
      scope: ACCOUNT,
      at: AT,
      eventId: EVENT_ID,
    });
    expect(record).toMatchObject({
      eventSource: 'signin.amazonaws.com',
      eventName: 'ConsoleLogin',
      eventType: 'AwsConsoleSignIn',
      requestParameters: null,
      responseElements: { ConsoleLogin: 'Failure' },
      additionalEventData: { MFAUsed: 'Yes' },
      errorMessage: 'Failed authentication',
    });
  });
});

describe('buildCloudTrailRecord redaction', () => {
  it('hides secrets in what a service set, whatever path set it', () => {
    const record = buildCloudTrailRecord({
      origin: USER_ORIGIN,
      details: {
        ...createUserDetails('bob'),
        requestParameters: { userName: 'bob', password: 'p4ss' },
        responseElements: { credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 's3cr3t' } },
      },
      scope: ACCOUNT,
      at: AT,
      eventId: EVENT_ID,
    });
    expect(record.requestParameters).toEqual({ userName: 'bob', password: HIDDEN });
    expect(record.responseElements).toEqual({
      credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: HIDDEN },
    });
  });
});

describe('buildAuditEvent', () => {
  it('files the record JSON with the values each lookup attribute matches', () => {
    const entry = buildAuditEvent({
      origin: ROLE_ORIGIN,
      details: { ...createUserDetails('bob'), resources: ['arn:aws:iam::111122223333:user/bob'] },
      scope: ACCOUNT,
      at: AT,
    });
    const record = JSON.parse(entry.event) as CloudTrailRecord;
    expect(record.eventID).toBe(entry.eventId);
    expect(entry.eventTime).toBe('2026-12-07T07:30:00.123Z');
    expect(entry.lookups).toEqual({
      eventName: 'CreateUser',
      readOnly: false,
      username: 'ci-run',
      accessKeyId: 'ASIAEXAMPLESESSION01',
      resourceNames: ['arn:aws:iam::111122223333:user/bob', 'bob'],
    });
  });
});
