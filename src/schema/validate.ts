/**
 * The one ajv instance of Redline. Validators are compiled once per schema, never per document.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Static, TSchema } from '@sinclair/typebox';
import type { Problem } from '../errors.js';

const ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
const compiled = new WeakMap<TSchema, ValidateFunction>();

/** A compiled validator that returns problems instead of throwing. */
export interface Validator<T> {
  /** True when `value` conforms; narrows its type. */
  check(value: unknown): value is T;
  /** The problems of `value` (empty when it conforms), located in `file` at `line` under `basePointer`. */
  problems(value: unknown, where: { file: string; line?: number; basePointer?: string }): Problem[];
}

/** Compiles (once) a validator for a TypeBox schema. */
export function compileValidator<S extends TSchema>(schema: S): Validator<Static<S>> {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  const fn = validate;
  return {
    check: (value: unknown): value is Static<S> => fn(value) === true,
    problems(value, where) {
      if (fn(value) === true) return [];
      return describeAjvErrors(fn.errors ?? [], where);
    },
  };
}

/** Turns ajv errors into problems with readable messages, dropping the noise of union branches. */
export function describeAjvErrors(
  errors: readonly ErrorObject[],
  where: { file: string; line?: number; basePointer?: string },
): Problem[] {
  const base = where.basePointer ?? '';
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const error of errors) {
    let pointer = base + error.instancePath;
    let message: string;
    switch (error.keyword) {
      case 'additionalProperties': {
        const extra = String((error.params as { additionalProperty: string }).additionalProperty);
        pointer = `${pointer}/${escapePointer(extra)}`;
        message = `unknown field "${extra}" (check the spelling; unknown fields are not allowed)`;
        break;
      }
      case 'required':
        message = `missing required field "${String((error.params as { missingProperty: string }).missingProperty)}"`;
        break;
      case 'enum':
        message = `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues
          .map((v) => JSON.stringify(v))
          .join(', ')}`;
        break;
      case 'anyOf':
      case 'oneOf':
        message = 'does not match any allowed form';
        break;
      default:
        message = error.message ?? 'is invalid';
    }
    const key = `${pointer}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ file: where.file, ...(where.line === undefined ? {} : { line: where.line }), pointer, message });
  }
  // A union failure is reported once per branch by ajv; when a more precise error exists below the same
  // pointer, the generic "does not match any allowed form" adds nothing.
  return out.filter(
    (p) =>
      p.message !== 'does not match any allowed form' ||
      !out.some((q) => q !== p && q.pointer.startsWith(p.pointer) && q.message !== p.message),
  );
}

/** Escapes one JSON pointer segment (RFC 6901). */
export function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}
