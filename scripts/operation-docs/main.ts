/**
 * `npm run docs:operations`: rewrites README.md's generated block (supported Terraform resources,
 * IAM and STS operations) from the operation tables. Run it after adding an operation.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { renderOperationDocs, servedOperations, withOperationDocs } from './operation-docs.ts';

const readmePath = resolve(import.meta.dirname, '../../README.md');
const readme = await readFile(readmePath, 'utf8');
const updated = withOperationDocs(readme, renderOperationDocs(servedOperations()));
if (updated === readme) {
  console.log('README.md: the operation lists are current');
} else {
  await writeFile(readmePath, updated);
  console.log('README.md: the operation lists are rewritten');
}
