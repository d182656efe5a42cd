/**
 * The one ajv instance of Redline. Validators are compiled once per schema, never per document.
 */
import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, Options, ValidateFunction } from 'ajv';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Problem } from '../errors.js';

// Loaded and compiled on first use, never at import: a command that validates nothing (--version, runs) pays
// nothing for ajv, and one that validates pays only for the schemas it uses. ajv is CommonJS, so a synchronous
// require keeps `check` and `problems` synchronous.
const require = createRequire(import.meta.url);
let ajv: Ajv | undefined;
const compiled = new WeakMap<TSchema, ValidateFunction>();

/** The one ajv instance; verbose: errors carry the offending value, so messages can say what was found. */
function ajvInstance(): Ajv {
  if (ajv === undefined) {
    const { Ajv: AjvClass } = require('ajv') as { Ajv: new (options: Options) => Ajv };
    ajv = new AjvClass({ strict: true, allErrors: true, allowUnionTypes: true, verbose: true });
  }
  return ajv;
}

/** The compiled validate function of `schema` (compiled once per schema object). */
function validateFunction(schema: TSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    validate = ajvInstance().compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** A compiled validator that returns problems instead of throwing. */
export interface Validator<T> {
  /** True when `value` conforms; narrows its type. */
  check(value: unknown): value is T;
  /** The problems of `value` (empty when it conforms), located in `file` at `line` under `basePointer`. */
  problems(value: unknown, where: { file: string; line?: number; basePointer?: string }): Problem[];
}

// TypeBox's compiled checks, per schema object: every validator of the same schema shares one compile.
const typeboxChecks = new WeakMap<TSchema, ((value: unknown) => boolean) | undefined>();

/** TypeBox's own compiled check of `schema`, or undefined when TypeBox cannot compile it (ajv then decides alone). */
function typeboxCheck(schema: TSchema): ((value: unknown) => boolean) | undefined {
  if (typeboxChecks.has(schema)) return typeboxChecks.get(schema);
  let check: ((value: unknown) => boolean) | undefined;
  try {
    const compiled = TypeCompiler.Compile(schema);
    check = (value) => compiled.Check(value);
  } catch {
    check = undefined;
  }
  typeboxChecks.set(schema, check);
  return check;
}

/**
 * A validator for a TypeBox schema, compiled once, on its first use. ajv is the authority; TypeBox's compiled check
 * answers first, so a conforming value (every stored row, almost every sample) never loads ajv, and only a value
 * TypeBox rejects is handed to ajv for the verdict and its problems.
 */
export function compileValidator<S extends TSchema>(schema: S): Validator<Static<S>> {
  let fn: ValidateFunction | undefined;
  let fast: ((value: unknown) => boolean) | undefined | null = null;
  const get = (): ValidateFunction => (fn ??= validateFunction(schema));
  const isFastValid = (value: unknown): boolean => {
    if (fast === null) fast = typeboxCheck(schema);
    return fast !== undefined && fast(value);
  };
  return {
    check: (value: unknown): value is Static<S> => isFastValid(value) || get()(value) === true,
    problems(value, where) {
      if (isFastValid(value)) return [];
      const validate = get();
      if (validate(value) === true) return [];
      return describeAjvErrors(validate.errors ?? [], where);
    },
  };
}

/**
 * Turns ajv errors into problems with readable messages. A failed union (anyOf/oneOf) is resolved into the
 * errors of the branch the value was meant for (the one of the value's type, or whose discriminating literal
 * such as `type: "regex"` it carries), or, when no branch fits, into one "must be one of ..." problem.
 */
export function describeAjvErrors(
  errors: readonly ErrorObject[],
  where: { file: string; line?: number; basePointer?: string },
): Problem[] {
  const base = where.basePointer ?? '';
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const { pointer: relative, message } of resolveErrors(errors)) {
    const pointer = base + relative;
    const key = `${pointer}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      file: where.file,
      ...(where.line === undefined ? {} : { line: where.line }),
      pointer,
      message,
    });
  }
  return out;
}

interface Described {
  pointer: string;
  message: string;
}

/** A union branch the value does not even have the shape of. */
interface Mismatch {
  kind: 'mismatch';
  /** The value is not of the branch's JSON type (as opposed to: right type, wrong literal). */
  isTypeMismatch: boolean;
  types: string[];
  values: unknown[];
  /** A literal property that picks the branch (e.g. /scorer/type) and the value it needs there. */
  discriminator?: { pointer: string; value: unknown; got: unknown };
}

type Branch = Mismatch | { kind: 'candidate'; described: Described[] };

const isUnion = (error: ErrorObject): boolean => error.keyword === 'anyOf' || error.keyword === 'oneOf';

/** True when `error` was raised inside a branch of the union error `union`. */
function isWithin(error: ErrorObject, union: ErrorObject): boolean {
  return (
    error.schemaPath.startsWith(`${union.schemaPath}/`) &&
    (error.instancePath === union.instancePath || error.instancePath.startsWith(`${union.instancePath}/`))
  );
}

/** Describes errors in order, each outermost union replaced by its resolution. */
function resolveErrors(errors: readonly ErrorObject[]): Described[] {
  const unions = errors.filter(isUnion);
  const outermost = unions.filter((u) => !unions.some((other) => other !== u && isWithin(u, other)));
  const out: Described[] = [];
  for (const error of errors) {
    const owner = outermost.find((u) => u === error || isWithin(error, u));
    if (owner === undefined) out.push(describeError(error));
    else if (owner === error)
      out.push(
        ...resolveUnion(
          error,
          errors.filter((e) => isWithin(e, error)),
        ),
      );
    // else: a branch error, reported through its union
  }
  return out;
}

function resolveUnion(union: ErrorObject, owned: readonly ErrorObject[]): Described[] {
  const branches = classifyBranches(union, owned);
  let best: Described[] | undefined;
  for (const branch of branches) {
    if (branch.kind === 'candidate' && (best === undefined || branch.described.length < best.length)) {
      best = branch.described;
    }
  }
  if (best !== undefined) return best;
  return [summarizeMismatches(union, branches as Mismatch[])];
}

function classifyBranches(union: ErrorObject, owned: readonly ErrorObject[]): Branch[] {
  const byBranch = new Map<string, ErrorObject[]>();
  for (const error of owned) {
    const index = error.schemaPath.slice(union.schemaPath.length + 1).split('/')[0] ?? '';
    const list = byBranch.get(index);
    if (list === undefined) byBranch.set(index, [error]);
    else list.push(error);
  }
  return [...byBranch.entries()].map(([index, errors]) =>
    classifyBranch(union, `${union.schemaPath}/${index}`, errors),
  );
}

function classifyBranch(union: ErrorObject, branchPath: string, errors: readonly ErrorObject[]): Branch {
  const here = union.instancePath;
  const at = (keyword: string): ErrorObject | undefined =>
    errors.find(
      (e) => e.keyword === keyword && e.instancePath === here && e.schemaPath === `${branchPath}/${keyword}`,
    );
  const typeError = at('type');
  const literal = at('const') ?? at('enum');
  if (typeError !== undefined || literal !== undefined) {
    const values =
      literal === undefined
        ? []
        : literal.keyword === 'const'
          ? [(literal.params as { allowedValue: unknown }).allowedValue]
          : (literal.params as { allowedValues: unknown[] }).allowedValues;
    const types = literal === undefined && typeError !== undefined ? typeNames(typeError) : [];
    return { kind: 'mismatch', isTypeMismatch: typeError !== undefined, types, values };
  }
  const discriminator = errors.find(
    (e) =>
      e.keyword === 'const' &&
      e.instancePath.startsWith(`${here}/`) &&
      !e.instancePath.slice(here.length + 1).includes('/'),
  );
  if (discriminator !== undefined) {
    return {
      kind: 'mismatch',
      isTypeMismatch: false,
      types: [],
      values: [],
      discriminator: {
        pointer: discriminator.instancePath,
        value: (discriminator.params as { allowedValue: unknown }).allowedValue,
        got: discriminator.data,
      },
    };
  }
  // A branch that is itself a union at the same place (e.g. a union of literals): a mismatch when all its branches are.
  const nested = errors.find(
    (e) => isUnion(e) && e.instancePath === here && e.schemaPath === `${branchPath}/${e.keyword}`,
  );
  if (nested !== undefined && errors.every((e) => e === nested || isWithin(e, nested))) {
    const inner = classifyBranches(
      nested,
      errors.filter((e) => isWithin(e, nested)),
    );
    if (inner.every((b): b is Mismatch => b.kind === 'mismatch' && b.discriminator === undefined)) {
      return {
        kind: 'mismatch',
        isTypeMismatch: inner.every((b) => b.isTypeMismatch),
        types: inner.flatMap((b) => b.types),
        values: inner.flatMap((b) => b.values),
      };
    }
  }
  return { kind: 'candidate', described: resolveErrors(errors) };
}

function summarizeMismatches(union: ErrorObject, mismatches: readonly Mismatch[]): Described {
  // Branches whose type the value has say more than those it does not: "scorer": "choise" is a misspelt name,
  // not a wrong object.
  const valueLevel = mismatches.filter((m) => !m.isTypeMismatch);
  const pool = valueLevel.length > 0 ? valueLevel : mismatches;
  const discriminators = pool.map((m) => m.discriminator);
  const first = discriminators[0];
  if (first !== undefined && discriminators.every((d) => d !== undefined && d.pointer === first.pointer)) {
    const values = discriminators.map((d) => d?.value);
    return { pointer: first.pointer, message: `must be ${listAlternatives(values, [])}${got(first.got)}` };
  }
  const values = pool.flatMap((m) => m.values);
  const types = [...new Set(pool.flatMap((m) => m.types))];
  const alternatives = listAlternatives(values, types);
  return {
    pointer: union.instancePath,
    message:
      alternatives === '' ? 'does not match any allowed form' : `must be ${alternatives}${got(union.data)}`,
  };
}

/** `"a"`, `one of "a", "b"`, `a string or an array`, `one of "a", "b", or an object`. */
function listAlternatives(values: readonly unknown[], types: readonly string[]): string {
  const unique = [...new Set(values.map((v) => JSON.stringify(v)))];
  const typeText = types.map(withArticle).join(' or ');
  if (unique.length === 0) return typeText;
  const valueText = unique.length === 1 ? (unique[0] ?? '') : `one of ${unique.join(', ')}`;
  if (typeText === '') return valueText;
  return `${valueText}${unique.length > 1 ? ',' : ''} or ${typeText}`;
}

function typeNames(error: ErrorObject): string[] {
  const type = (error.params as { type: string | string[] }).type;
  return Array.isArray(type) ? type : type.split(',');
}

function withArticle(type: string): string {
  if (type === 'null') return 'null';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** ` (got 5)`: the offending value, short, when ajv kept it (verbose mode). */
function got(value: unknown): string {
  if (value === undefined) return '';
  let text: string;
  if (Array.isArray(value)) text = 'an array';
  else if (typeof value === 'object' && value !== null) text = 'an object';
  else if (typeof value === 'string')
    text = JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else if (value === null) text = 'null';
  else text = typeof value;
  return ` (got ${text})`;
}

function describeError(error: ErrorObject): Described {
  const pointer = error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      // A record keyed by a pattern (e.g. category names): the key is not unknown, it is malformed.
      const patterns = Object.keys(
        (error.parentSchema as { patternProperties?: object } | undefined)?.patternProperties ?? {},
      );
      if (patterns.length > 0) {
        return {
          pointer: `${pointer}/${escapePointer(extra)}`,
          message: `name "${extra}" is not allowed: it must match ${patterns.join(' or ')} (letters, digits, ".", "_", "-")`,
        };
      }
      return {
        pointer: `${pointer}/${escapePointer(extra)}`,
        message: `unknown field "${extra}" (check the spelling; unknown fields are not allowed)`,
      };
    }
    case 'required':
      return { pointer, message: `missing required field "${String(params.missingProperty)}"` };
    case 'type':
      return {
        pointer,
        message: `must be ${typeNames(error).map(withArticle).join(' or ')}${got(error.data)}`,
      };
    case 'const':
      return { pointer, message: `must be ${JSON.stringify(params.allowedValue)}${got(error.data)}` };
    case 'enum':
      return {
        pointer,
        message: `must be ${listAlternatives(params.allowedValues as unknown[], [])}${got(error.data)}`,
      };
    case 'pattern':
      return { pointer, message: `must match the pattern ${String(params.pattern)}${got(error.data)}` };
    case 'minLength':
      return {
        pointer,
        message: params.limit === 1 ? 'must not be empty' : `${error.message ?? 'is too short'}`,
      };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'multipleOf':
      return { pointer, message: `${error.message ?? 'is out of range'}${got(error.data)}` };
    case 'anyOf':
    case 'oneOf':
      return { pointer, message: 'does not match any allowed form' };
    default:
      return { pointer, message: error.message ?? 'is invalid' };
  }
}

/** Escapes one JSON pointer segment (RFC 6901). */
export function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}
