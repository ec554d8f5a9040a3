/**
 * What a review of issue #13's contract found missing: a PUT without the required userName is
 * refused (it used to keep the old one), and the optional operations ServiceProviderConfig says
 * are not offered (/Bulk, POST .search) answer 501 with a SCIM error body, not 404.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createScimFixture, type ScimFixture } from './fixtures/scim-client.ts';

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

let fixture: ScimFixture;
let userId = '';

beforeAll(async () => {
  fixture = await createScimFixture('scimgaps');
  userId = (await fixture.scim('POST', '/Users', { userName: 'gap@example.com', title: 'Kept' })).body.id;
}, 60_000);

describe('SCIM contract gaps', () => {
  it('refuses a PUT without userName with 400 invalidValue and changes nothing', async () => {
    const before = await fixture.scim('GET', `/Users/${userId}`);
    const refused = await fixture.scim('PUT', `/Users/${userId}`, { name: { givenName: 'Other' } });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ schemas: [ERROR], status: '400', scimType: 'invalidValue' });
    const after = await fixture.scim('GET', `/Users/${userId}`);
    expect(after.body).toEqual(before.body);
  });

  it('answers /Bulk and POST .search 501 with a SCIM error body, as bulk and search are not offered', async () => {
    const config = await fixture.scim('GET', '/ServiceProviderConfig');
    expect(config.body.bulk).toMatchObject({ supported: false });
    for (const path of ['/Bulk', '/.search', '/Users/.search', '/Groups/.search']) {
      const answer = await fixture.scim('POST', path, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: [{ method: 'POST', path: '/Users', bulkId: 'a', data: { userName: 'bulk@example.com' } }],
      });
      expect(answer.status).toBe(501);
      expect(answer.headers.get('content-type')).toBe('application/scim+json');
      expect(answer.body).toMatchObject({ schemas: [ERROR], status: '501' });
      expect(answer.body.scimType).toBeUndefined();
    }
    const found = await fixture.scim(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "bulk@example.com"')}`,
    );
    expect(found.body.totalResults).toBe(0);
  });
});
