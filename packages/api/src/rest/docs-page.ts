/**
 * The `/docs` page: the OpenAPI document rendered as one self-contained HTML page (inline CSS, no
 * scripts, no external assets), so it reads the same in any browser, in a terminal, or offline.
 */
import { isPlainObject } from './json-shapes.ts';
import type { JsonSchema } from './openapi-document.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Escapes text for HTML element content and attribute values. */
function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Renders the little Markdown the document uses inside a line: `code` and **bold**. */
function inline(text: string): string {
  return escapeHtml(text.replaceAll('\n', ' '))
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

/** Renders paragraphs separated by blank lines. */
function prose(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${inline(paragraph)}</p>`)
    .join('');
}

function anchor(method: string, path: string): string {
  return `op-${method}-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;
}

const CONSTRAINTS: readonly [string, string][] = [
  ['format', 'format'],
  ['minLength', 'min length'],
  ['maxLength', 'max length'],
  ['minimum', 'min'],
  ['maximum', 'max'],
  ['minItems', 'min items'],
  ['maxItems', 'max items'],
  ['pattern', 'pattern'],
];

/** A one-line description of a schema's type, with links to named schemas. */
function typeLabel(schema: JsonSchema): string {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').at(-1) ?? '';
    return `<a href="#schema-${escapeHtml(name)}">${escapeHtml(name)}</a>`;
  }
  const variants = (schema.oneOf ?? schema.anyOf) as unknown;
  if (Array.isArray(variants)) {
    return variants.map((variant) => (isPlainObject(variant) ? typeLabel(variant) : '?')).join(' | ');
  }
  if (Array.isArray(schema.enum))
    return schema.enum.map((value) => `<code>${escapeHtml(String(value))}</code>`).join(' | ');
  if (schema.const !== undefined) return `<code>${escapeHtml(JSON.stringify(schema.const))}</code>`;
  if (schema.type === 'array') {
    return `array of ${isPlainObject(schema.items) ? typeLabel(schema.items) : 'any'}`;
  }
  if (typeof schema.type === 'string') return escapeHtml(schema.type);
  return 'any';
}

function constraints(schema: JsonSchema): string {
  const parts = CONSTRAINTS.filter(([key]) => schema[key] !== undefined).map(
    ([key, label]) => `${label} <code>${escapeHtml(String(schema[key]))}</code>`,
  );
  return parts.length ? ` <span class="c">(${parts.join(', ')})</span>` : '';
}

/** A schema as nested lists of fields; named schemas are links to their own section. */
function schemaHtml(schema: JsonSchema, depth = 0): string {
  const description = typeof schema.description === 'string' ? ` — ${inline(schema.description)}` : '';
  const properties = isPlainObject(schema.properties) ? schema.properties : undefined;
  const items = schema.type === 'array' && isPlainObject(schema.items) ? schema.items : undefined;
  if (properties && depth < 6) {
    const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
    const rows = Object.entries(properties).map(([name, inner]) => {
      const field = isPlainObject(inner) ? inner : {};
      const flag = required.has(name) ? ' <span class="req">required</span>' : '';
      return `<li><code>${escapeHtml(name)}</code>: ${schemaHtml(field, depth + 1)}${flag}</li>`;
    });
    const extra = schema.additionalProperties === false ? ' <span class="c">(no other fields)</span>' : '';
    return `object${extra}${description}<ul>${rows.join('')}</ul>`;
  }
  if (items && isPlainObject(items.properties) && depth < 6) {
    return `array${description}, each ${schemaHtml(items, depth + 1)}`;
  }
  return `${typeLabel(schema)}${constraints(schema)}${description}`;
}

function parametersHtml(parameters: unknown): string {
  if (!Array.isArray(parameters) || parameters.length === 0) return '';
  const rows = parameters.filter(isPlainObject).map((parameter) => {
    const schema = isPlainObject(parameter.schema) ? parameter.schema : {};
    return `<tr><td><code>${escapeHtml(String(parameter.name))}</code></td><td>${escapeHtml(String(parameter.in))}</td><td>${
      parameter.required ? 'yes' : 'no'
    }</td><td>${schemaHtml(schema)}</td><td>${
      typeof parameter.description === 'string' ? prose(parameter.description) : ''
    }</td></tr>`;
  });
  return `<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Required</th><th>Schema</th><th>Description</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function jsonContentSchema(holder: unknown): JsonSchema | undefined {
  if (!isPlainObject(holder) || !isPlainObject(holder.content)) return undefined;
  const json = holder.content['application/json'];
  return isPlainObject(json) && isPlainObject(json.schema) ? json.schema : undefined;
}

function responsesHtml(responses: unknown): string {
  if (!isPlainObject(responses)) return '';
  const rows = Object.entries(responses).map(([status, response]) => {
    const description =
      isPlainObject(response) && typeof response.description === 'string' ? response.description : '';
    const schema = jsonContentSchema(response);
    const headers =
      isPlainObject(response) && isPlainObject(response.headers)
        ? ` Headers: ${Object.keys(response.headers)
            .map((name) => `<code>${escapeHtml(name)}</code>`)
            .join(', ')}.`
        : '';
    return `<tr><td><strong>${escapeHtml(status)}</strong></td><td>${inline(description)}${headers}</td><td>${
      schema ? schemaHtml(schema) : ''
    }</td></tr>`;
  });
  return `<h4>Responses</h4><table><thead><tr><th>Status</th><th>Meaning</th><th>Body</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly operation: JsonSchema;
}

function operationsOf(document: JsonSchema): Operation[] {
  const paths = isPlainObject(document.paths) ? document.paths : {};
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(paths)) {
    if (!isPlainObject(item)) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (isPlainObject(operation)) operations.push({ method, path, operation });
    }
  }
  return operations;
}

function operationHtml({ method, path, operation }: Operation): string {
  const summary = typeof operation.summary === 'string' ? operation.summary : '';
  const description = typeof operation.description === 'string' ? prose(operation.description) : '';
  const action =
    typeof operation['x-iam-action'] === 'string'
      ? `<p class="c">IAM action: <code>${escapeHtml(operation['x-iam-action'])}</code> · operation id <code>${escapeHtml(String(operation.operationId))}</code></p>`
      : `<p class="c">Operation id <code>${escapeHtml(String(operation.operationId))}</code></p>`;
  const body = jsonContentSchema(operation.requestBody);
  return `<section class="op" id="${anchor(method, path)}">
<h3><span class="m m-${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
<p>${escapeHtml(summary)}</p>${description}${action}
${parametersHtml(operation.parameters)}
${body ? `<h4>Request body (application/json)</h4><div class="schema">${schemaHtml(body)}</div>` : ''}
${responsesHtml(operation.responses)}
</section>`;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem 2rem;color:#1b1f24}
code{font-family:ui-monospace,monospace;font-size:.92em;background:#f2f4f7;padding:0 .25em;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d5dae1;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}.m{display:inline-block;min-width:4.2em;text-align:center;font-size:.8em;font-weight:700;color:#fff;border-radius:3px;padding:.05em .4em}
.m-get{background:#1f6feb}.m-post{background:#1a7f37}.m-put{background:#9a6700}.m-patch{background:#8250df}.m-delete{background:#cf222e}
.op{border-top:1px solid #d5dae1;margin-top:1.5rem;padding-top:.5rem}.c{color:#57606a;font-size:.9em}.req{color:#cf222e;font-size:.85em}
ul{margin:.2rem 0 .2rem 1.2rem;padding:0}h4{margin:.8rem 0 .2rem}a{color:#0969da}`;

/** Renders the whole reference page from an OpenAPI document. */
export function renderDocsPage(document: JsonSchema): string {
  const info = isPlainObject(document.info) ? document.info : {};
  const title = typeof info.title === 'string' ? info.title : 'API';
  const operations = operationsOf(document);
  const tags = [
    ...new Set(
      operations.map(({ operation }) =>
        Array.isArray(operation.tags) ? String(operation.tags[0]) : 'Other',
      ),
    ),
  ];
  const tagOf = (operation: JsonSchema) =>
    Array.isArray(operation.tags) ? String(operation.tags[0]) : 'Other';

  const index = tags
    .map((tag) => {
      const rows = operations
        .filter(({ operation }) => tagOf(operation) === tag)
        .map(
          ({ method, path, operation }) =>
            `<tr><td><span class="m m-${method}">${method.toUpperCase()}</span></td><td><a href="#${anchor(method, path)}"><code>${escapeHtml(path)}</code></a></td><td>${escapeHtml(String(operation.summary ?? ''))}</td></tr>`,
        );
      return `<h3>${escapeHtml(tag)}</h3><table><tbody>${rows.join('')}</tbody></table>`;
    })
    .join('');

  const sections = tags
    .map(
      (tag) =>
        `<h2 id="tag-${escapeHtml(tag.replace(/\W+/g, '-'))}">${escapeHtml(tag)}</h2>${operations
          .filter(({ operation }) => tagOf(operation) === tag)
          .map(operationHtml)
          .join('')}`,
    )
    .join('');

  const components = isPlainObject(document.components) ? document.components : {};
  const schemas = isPlainObject(components.schemas) ? components.schemas : {};
  const schemaSections = Object.entries(schemas)
    .map(
      ([name, schema]) =>
        `<section class="op" id="schema-${escapeHtml(name)}"><h3>${escapeHtml(name)}</h3><div class="schema">${
          isPlainObject(schema) ? schemaHtml(schema) : ''
        }</div></section>`,
    )
    .join('');

  const security = isPlainObject(components.securitySchemes) ? components.securitySchemes : {};
  const securityRows = Object.entries(security)
    .map(([name, scheme]) => {
      const description =
        isPlainObject(scheme) && typeof scheme.description === 'string' ? scheme.description : '';
      return `<li><code>${escapeHtml(name)}</code>: ${inline(description)}</li>`;
    })
    .join('');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} reference</title><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(title)} <small class="c">${escapeHtml(String(info.version ?? ''))} · OpenAPI ${escapeHtml(String(document.openapi ?? ''))} (<a href="/openapi.json">openapi.json</a>)</small></h1>
${typeof info.description === 'string' ? prose(info.description) : ''}
<h2>Authentication</h2><ul>${securityRows}</ul>
<h2>Operations</h2>${index}
${sections}
<h2>Schemas</h2>${schemaSections}
</body></html>`;
}
