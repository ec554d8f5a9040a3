/**
 * The README's generated block: the Terraform resources and data sources Palisade supports and the
 * IAM and STS operations its Query API serves, read from the operation tables the platform mounts
 * (never a list kept by hand, so it cannot drift; test/readme-operations.test.ts checks it).
 */
import { absentEntityOperations } from '@palisade/iam';
import { createPlatform } from '../../functions/wiring/platform.ts';
import { TERRAFORM_TYPES, type TerraformType } from './terraform-support.ts';

/** The markers around the generated block in README.md. */
export const DOCS_BEGIN =
  '<!-- operations:begin (written by `npm run docs:operations` from the operation tables; do not edit) -->';
/** The marker after the generated block. */
export const DOCS_END = '<!-- operations:end -->';

/** The action names the Query API serves, per service. */
export interface ServedOperations {
  readonly iam: readonly string[];
  readonly sts: readonly string[];
  /** The IAM actions of entity families Palisade lacks: reads answer empty, writes are refused. */
  readonly absentIam: readonly string[];
}

/**
 * The actions of the platform's operation tables. The platform is assembled with inert settings:
 * nothing here opens a connection, so no table or DynamoDB is needed to read what it serves.
 */
export function servedOperations(): ServedOperations {
  const platform = createPlatform(
    {
      tableName: 'operation-docs',
      dynamodbEndpoint: 'http://127.0.0.1:9',
      operatorAccessKeyId: 'AKIAOPERATIONDOCS000',
      operatorSecretAccessKey: 'operation-docs-are-read-never-served-0000',
      masterKey: Buffer.alloc(32).toString('base64'),
      partition: 'aws',
    },
    () => {},
  );
  const { iam, sts, unsignedSts } = platform.queryActions;
  return {
    iam: Object.keys(iam),
    sts: [...Object.keys(sts), ...unsignedSts],
    absentIam: Object.keys(absentEntityOperations(platform.iam)),
  };
}

/** The calls of `type` that the served operations lack. */
export function missingCalls(type: TerraformType, served: ServedOperations): string[] {
  const all = new Set([...served.iam, ...served.sts]);
  return type.calls.filter((call) => !all.has(call));
}

const code = (name: string) => `\`${name}\``;
// Code-point order: the same on every machine, whatever its locale data.
const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

/** `label` and a comma-separated list of names in code spans, wrapped (Markdown keeps one paragraph). */
function nameList(label: string, names: readonly string[]): string {
  const lines: string[] = [];
  let line = label;
  for (const [index, name] of names.entries()) {
    const item = `${code(name)}${index < names.length - 1 ? ',' : '.'}`;
    if (line.length + 1 + item.length > 100) {
      lines.push(line);
      line = item;
    } else {
      line = `${line} ${item}`;
    }
  }
  return [...lines, line].join('\n');
}

/** The generated block, markers included. */
export function renderOperationDocs(served: ServedOperations): string {
  const supported = (kind: TerraformType['kind']) =>
    TERRAFORM_TYPES.filter((t) => t.kind === kind && !t.absent && missingCalls(t, served).length === 0).map(
      (t) => t.name,
    );
  const waiting = TERRAFORM_TYPES.filter((t) => !t.absent && missingCalls(t, served).length > 0);
  const absent = TERRAFORM_TYPES.filter((t) => t.absent);
  const absentIam = new Set(served.absentIam);
  const iam = sorted(served.iam.filter((name) => !absentIam.has(name)));
  const sts = sorted(served.sts);
  return [
    DOCS_BEGIN,
    '',
    'Terraform (hashicorp/aws 5.100.0, `endpoints { iam = …, sts = … }`): the resources and data',
    'sources whose every call Palisade serves; test/terraform-e2e.test.ts applies, changes and',
    'destroys them.',
    '',
    nameList('Resources:', supported('resource')),
    '',
    nameList('Data sources:', supported('data')),
    '',
    ...(waiting.length > 0
      ? [
          'Not yet (the provider calls operations Palisade does not serve yet):',
          '',
          ...waiting.map(
            (t) =>
              `- ${code(t.name)}${t.kind === 'data' ? ' (data source)' : ''}: ${missingCalls(t, served).map(code).join(', ')}`,
          ),
          '',
        ]
      : []),
    'Never (the entity does not exist in Palisade):',
    '',
    ...absent.map((t) => `- ${code(t.name)}: ${t.absent}`),
    '',
    nameList(`IAM (${iam.length} operations, Query API \`Version=2010-05-08\`):`, iam),
    '',
    nameList(
      `IAM operations of the entity families Palisade lacks (${absentIam.size}: lists answer empty, reads NoSuchEntity, writes are refused with InvalidInput):`,
      sorted(absentIam),
    ),
    '',
    nameList(`STS (${sts.length} operations, Query API \`Version=2011-06-15\`):`, sts),
    '',
    DOCS_END,
  ].join('\n');
}

/** `readme` with its generated block replaced by `block`; throws when the markers are missing. */
export function withOperationDocs(readme: string, block: string): string {
  const begin = readme.indexOf(DOCS_BEGIN);
  const end = readme.indexOf(DOCS_END);
  if (begin < 0 || end < begin) throw new Error(`README.md lacks the markers ${DOCS_BEGIN} … ${DOCS_END}`);
  return `${readme.slice(0, begin)}${block}${readme.slice(end + DOCS_END.length)}`;
}
