/** The README's generated operation lists (scripts/operation-docs) against the operation tables. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  DOCS_BEGIN,
  DOCS_END,
  missingCalls,
  renderOperationDocs,
  servedOperations,
  withOperationDocs,
} from '../scripts/operation-docs/operation-docs.ts';
import { TERRAFORM_TYPES } from '../scripts/operation-docs/terraform-support.ts';

const served = servedOperations();

describe('the README operation lists', () => {
  it('match what `npm run docs:operations` writes from the operation tables', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const generated = renderOperationDocs(served);
    // The whole block, so a new operation or resource, or a hand edit, fails here until the script runs.
    expect(readme.slice(readme.indexOf(DOCS_BEGIN), readme.indexOf(DOCS_END) + DOCS_END.length)).toBe(
      generated,
    );
  });

  it('name every operation the Query API serves, once, under its service', () => {
    const block = renderOperationDocs(served);
    const iam = block.slice(block.indexOf('IAM ('), block.indexOf('STS ('));
    const sts = block.slice(block.indexOf('STS ('));
    for (const action of served.iam) expect(iam).toContain(`\`${action}\``);
    for (const action of served.sts) expect(sts).toContain(`\`${action}\``);
    const absent = new Set(served.absentIam);
    expect(absent.size).toBeGreaterThan(0);
    expect(iam).toContain(`IAM (${new Set(served.iam).size - absent.size} operations`);
    // The families Palisade lacks are listed apart, so no one reads them as supported entities.
    const absentLine = iam.slice(iam.indexOf('IAM operations of the entity families Palisade lacks'));
    for (const action of absent) expect(absentLine).toContain(`\`${action}\``);
    expect(absentLine).not.toContain('`CreateUser`');
    expect(sts).toContain(`STS (${new Set(served.sts).size} operations`);
  });

  it('lists a Terraform type as supported only when every call it makes is served', () => {
    const membership = TERRAFORM_TYPES.find((type) => type.name === 'aws_iam_group_membership');
    expect(membership && missingCalls(membership, served)).toEqual([]);
    const block = renderOperationDocs(served);
    expect(block.slice(block.indexOf('Resources:'), block.indexOf('Data sources:'))).toContain(
      '`aws_iam_group_membership`',
    );
    expect(block.slice(block.indexOf('Data sources:'))).toContain('`aws_iam_users`');

    const withoutListUsers = renderOperationDocs({
      iam: served.iam.filter((action) => action !== 'ListUsers'),
      sts: served.sts,
      absentIam: served.absentIam,
    });
    const supportedData = withoutListUsers.slice(withoutListUsers.indexOf('Data sources:'));
    expect(supportedData.slice(0, supportedData.indexOf('\n\n'))).not.toContain('`aws_iam_users`');
    expect(withoutListUsers).toContain('- `aws_iam_users` (data source): `ListUsers`');
  });

  it('replaces only the marked block and refuses a README without the markers', () => {
    const readme = `# Title\n\n${DOCS_BEGIN}\nold\n${DOCS_END}\n\n## Next\n`;
    expect(withOperationDocs(readme, `${DOCS_BEGIN}\nnew\n${DOCS_END}`)).toBe(
      `# Title\n\n${DOCS_BEGIN}\nnew\n${DOCS_END}\n\n## Next\n`,
    );
    expect(() => withOperationDocs('# Title\n', 'x')).toThrow(/lacks the markers/);
  });
});
