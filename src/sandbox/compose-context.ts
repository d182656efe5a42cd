/**
 * ComposeContext: what the mappers of one parseCompose call share: the names given so far, the problems (located
 * in the YAML document) and compose's `${VAR}` interpolation of scalars.
 */
import type { Document, LineCounter } from 'yaml';
import { escapePointer } from '../schema/validate.js';
import { locateYamlPath } from './locate-yaml-path.js';
import type { ParseComposeOptions, ParsedCompose } from './parse-compose.js';

/** A path into the compose document: mapping keys and list indexes. */
export type ComposePath = ReadonlyArray<string | number>;

/** The state of one parseCompose call, shared by the per-field mappers. */
export class ComposeContext {
  readonly file: string;
  readonly out: ParsedCompose;
  readonly options: ParseComposeOptions;
  /** Compose network name -> label ("default" for external networks). */
  readonly networks = new Map<string, string>();
  /** Compose service name -> label. */
  readonly services = new Map<string, string>();
  /** Named volume -> how many services mount it. */
  readonly volumeUsers = new Map<string, number>();
  /** Services another one waits on with `condition: service_healthy`. */
  readonly healthyNeeded = new Set<string>();
  /** Network labels that some service joins. */
  readonly usedNetworks = new Set<string>();
  readonly #doc: Document;
  readonly #lines: LineCounter;

  constructor(
    file: string,
    doc: Document,
    lines: LineCounter,
    out: ParsedCompose,
    options: ParseComposeOptions,
  ) {
    this.file = file;
    this.#doc = doc;
    this.#lines = lines;
    this.out = out;
    this.options = options;
  }

  /** Records a problem at `path` (a JSON pointer into the compose document, with its line when known). */
  problem(path: ComposePath, message: string): void {
    const line = locateYamlPath(this.#doc, this.#lines, path);
    this.out.problems.push({
      file: this.file,
      ...(line === undefined ? {} : { line }),
      pointer: path.map((s) => `/${escapePointer(String(s))}`).join(''),
      message,
    });
  }

  /** A scalar as text, with compose's `${VAR:-default}` interpolation (variables are never read from the host). */
  text(value: unknown, at: ComposePath): string | undefined {
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (typeof value !== 'string') {
      this.problem(at, `must be a string (got ${describe(value)})`);
      return undefined;
    }
    let missing: string | undefined;
    const text = value.replace(
      /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
      (
        match,
        braced: string | undefined,
        operator: string | undefined,
        operand: string | undefined,
        bare: string | undefined,
      ) => {
        if (match === '$$') return '$';
        if (operator === '-' || operator === ':-') return operand ?? '';
        // Unset: `${VAR:+alt}` is empty.
        if (operator === '+' || operator === ':+') return '';
        missing ??= braced ?? bare;
        return match;
      },
    );
    if (missing !== undefined) {
      this.problem(
        at,
        `uses the variable ${missing}, which is never taken from the host or a .env file: write its value in the compose file`,
      );
      return undefined;
    }
    return text;
  }

  /** Records `name` (lowercased) as another name of `service`, unless it is taken or the service's own. */
  alias(name: string, service: string): void {
    const key = name.toLowerCase();
    if (key !== '' && key !== service) this.out.aliases[key] ??= service;
  }
}

/** True for a YAML mapping (a non-null, non-array object). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}
