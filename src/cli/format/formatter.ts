/**
 * docker/cli's `--format` handling: `table …` (header + tabwriter-aligned rows), `json` (one
 * object per line), or any Go template per row; and `inspect`'s indented JSON / template output.
 */
import {
  compileTemplate,
  dockerTemplateFuncs,
  TemplateError,
  type GoTemplate,
  type TemplateFunc,
  type TemplateOptions,
} from './go-template.js';
import { asListRow, goJson, listRowJson } from './template-funcs.js';
import { DOCKER_TABWRITER, formatTabular } from './tabwriter.js';

/** A list command's format settings: the `--format` value, its default table and `-q`. */
export interface FormatOptions {
  format: string | undefined;
  defaultTable: string;
  quiet?: boolean;
}

export interface RenderListOptions {
  /** The user's `--format`; empty or `table` means the command's default table. */
  format?: string | undefined;
  /** e.g. 'table {{.ID}}\t{{.Image}}' */
  defaultFormat: string;
  rows: Record<string, unknown>[];
  /** Column titles for table headers, by field: `{ ID: 'CONTAINER ID' }`. */
  headers: Record<string, string>;
  /** `-q`: print only quietFormat (docker ignores a custom format then). */
  quiet?: boolean;
  /** Defaults to `{{.ID}}`. */
  quietFormat?: string;
}

const TABLE_KEY = 'table';
const JSON_KEY = 'json';

/**
 * docker/cli's HeaderFunctions: while rendering the header line every function returns its
 * first argument, so `{{upper .Names}}` titles the column `NAMES`, not an upper-cased title.
 */
const HEADER_FUNCS: Record<string, TemplateFunc> = Object.fromEntries(
  Object.keys(dockerTemplateFuncs).map((name) => [name, (...args: unknown[]) => args[0]]),
);

function parse(text: string, funcs: Record<string, TemplateFunc>, options?: TemplateOptions): GoTemplate {
  try {
    return compileTemplate(text, funcs, options);
  } catch (e) {
    if (e instanceof TemplateError) throw new TemplateError(`template parsing error: ${e.message}`, { cause: e });
    throw e;
  }
}

/** Renders list rows as docker/cli's formatter.Context does. Throws TemplateError. */
export function renderList(opts: RenderListOptions): string {
  let format = opts.format ?? '';
  if (opts.quiet === true) format = opts.quietFormat ?? '{{.ID}}';
  else if (format === '' || format === TABLE_KEY) format = opts.defaultFormat;

  if (format === JSON_KEY) return opts.rows.map((row) => listRowJson(row) + '\n').join('');

  const isTable = format.startsWith(TABLE_KEY);
  // docker strips the `table` keyword and surrounding spaces and accepts `\t` and `\n` written
  // literally, as they arrive from shells.
  const text = (isTable ? format.slice(TABLE_KEY.length) : format)
    .replace(/^ +| +$/g, '')
    .replaceAll('\\t', '\t')
    .replaceAll('\\n', '\n');
  const tmpl = parse(text, dockerTemplateFuncs);
  const body = opts.rows.map((row) => tmpl.execute(asListRow({ ...row })) + '\n').join('');
  if (!isTable) return body;

  const fields = new Set([...Object.keys(opts.headers), ...opts.rows.flatMap((r) => Object.keys(r))]);
  const headerRow: Record<string, unknown> = {};
  for (const field of fields) {
    const title = opts.headers[field] ?? field.toUpperCase();
    // A function, so method-style fields such as `{{.Label "x"}}` title their column too.
    headerRow[field] = () => title;
  }
  let header: string;
  try {
    header = parse(text, HEADER_FUNCS, { missingKey: 'zero' }).execute(headerRow);
  } catch (e) {
    // docker ignores header execution errors and prints what was rendered.
    if (!(e instanceof TemplateError)) throw e;
    header = e.partialOutput ?? '';
  }
  return formatTabular(header + '\n' + body, DOCKER_TABWRITER);
}

/**
 * `inspect` output: no format prints the JSON array indented by 4 spaces (Go's MarshalIndent,
 * HTML-escaped); `json` prints it compact; a template is executed per item on the raw JSON with
 * `missingkey=error`, errors reported as docker does (`template parsing error: …`).
 */
export function renderJsonOrTemplate(format: string | undefined, value: unknown): string {
  const items = Array.isArray(value) ? value : [value];
  if (format === undefined || format === '') {
    return (items.length === 0 ? '[]' : goJson(items, { escapeHTML: true, indent: 4 })) + '\n';
  }
  if (format === JSON_KEY) return goJson(items, { escapeHTML: true }) + '\n';
  const tmpl = parse(format, dockerTemplateFuncs, { missingKey: 'map-error' });
  let out = '';
  for (const item of items) {
    try {
      out += tmpl.execute(item) + '\n';
    } catch (e) {
      if (e instanceof TemplateError) {
        throw new TemplateError(`template parsing error: ${e.message}`, { cause: e, partialOutput: out });
      }
      throw e;
    }
  }
  return out;
}
