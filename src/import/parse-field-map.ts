/**
 * The `--map` option of the generic jsonl/csv importers: `input=question,target=answer,choices=opt_a|opt_b,
 * category=topic,id=qid` (field=column pairs separated by commas; the options of `choices` separated by `|`).
 */
import { RedlineError } from '../errors.js';
import type { FieldMap } from './imported-suite.js';

const FIELDS = ['input', 'target', 'choices', 'category', 'id'] as const;
type Field = (typeof FIELDS)[number];
const EXAMPLE = 'e.g. --map input=question,target=answer,choices=opt_a|opt_b|opt_c,category=topic,id=qid';

function usage(message: string): RedlineError {
  return new RedlineError('E_USAGE', `--map: ${message} (${EXAMPLE})`);
}

function isField(name: string): name is Field {
  return (FIELDS as readonly string[]).includes(name);
}

/**
 * Parses a field map; throws E_USAGE naming the bad part (not `field=column`, an unknown or repeated field, an
 * empty column name, more than 26 choice columns) or the missing required field (input and target).
 *
 * @example
 * parseFieldMap('input=question,target=answer,choices=a|b|c|d');
 * // → { input: 'question', target: 'answer', choices: ['a', 'b', 'c', 'd'] }
 */
export function parseFieldMap(text: string): FieldMap {
  const found = new Map<Field, string>();
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq === -1) throw usage(`"${part}" is not of the form field=column`);
    const field = part.slice(0, eq).trim();
    const column = part.slice(eq + 1).trim();
    if (!isField(field)) throw usage(`"${part}": unknown field "${field}" (fields: ${FIELDS.join(', ')})`);
    if (found.has(field)) throw usage(`"${part}": the field "${field}" is mapped twice`);
    if (column === '') throw usage(`"${part}": the column name is empty`);
    found.set(field, column);
  }
  const input = found.get('input');
  const target = found.get('target');
  if (input === undefined) throw usage('"input=<column>" is required');
  if (target === undefined) throw usage('"target=<column>" is required');
  const map: FieldMap = { input, target };
  const choices = found.get('choices');
  if (choices !== undefined) {
    const columns = choices.split('|').map((c) => c.trim());
    if (columns.some((c) => c === '')) throw usage(`"choices=${choices}": a choice column name is empty`);
    if (new Set(columns).size !== columns.length)
      throw usage(`"choices=${choices}": a choice column is repeated`);
    if (columns.length > 26) throw usage(`"choices=${choices}": at most 26 choice columns (A-Z)`);
    map.choices = columns;
  }
  const category = found.get('category');
  if (category !== undefined) map.category = category;
  const id = found.get('id');
  if (id !== undefined) map.id = id;
  return map;
}
