/**
 * The answer extractor: what a model answered, read from its reply (DESIGN.md §3).
 *
 * Everything is read from the text after the last `</think>`, when there is one: reasoning models served without
 * a reasoning parser put their chain of thought before it.
 *
 * **The labelled answer** (every scorer) is the value after the LAST `answer:` label of the reply. The label is
 * case-insensitive, may be plural (`answers:`), may use a full-width colon, may follow other words on its line
 * (`Final answer: B`) and may carry markdown: `**ANSWER: B**`, `**Answer:** B`, `**Answer**: B`, `` `ANSWER: B` ``.
 * The value is the rest of that line or, when that is empty, the next non-empty line.
 *
 * **Choice answers** ({@link extractChoice}) try these patterns in order:
 *  1. The labelled answer, read as a letter list (below). When it is not a letter list but equals the text of
 *     exactly one choice (ignoring case and markdown), that choice. Otherwise there is NO answer: a labelled answer
 *     is the model's final word, and the fallbacks below are not tried.
 *  2. The last `\boxed{...}` (LaTeX), read as a letter list: `\boxed{B}`, `\boxed{\text{A, C}}`.
 *  3. The last phrase "answer is", "answers are", "option is", "choice is" (or "... would be", "... should be"),
 *     with the rest of its line read as a letter list: "The correct answer is (B)."
 *  4. The last non-empty line, when it is nothing but a letter list: "B", "(B)", "**B**", "B.", "A, C".
 *
 * A fallback whose text is not a letter list gives way to the next one. No pattern: no answer (score 0).
 *
 * **A letter list** is one or more letters A-Z in either case, each bare or in brackets (`B`, `(B)`, `[B]`),
 * separated by commas, semicolons, `&`, `+`, spaces or "and" (`A, C`, `A and C`, `(A) (C)`); a letter named twice
 * counts once. It may be preceded by "option(s)", "choice(s)" or "letter(s)" (`Options A and C`) and followed by a
 * period or `!`, or (in patterns 1-3) by other text after `)`, `. `, `: `, `, `, `; `, a dash or a parenthesis
 * (`B) AES-GCM`, `B. AES-GCM`, `B - AES-GCM`, `B (AES-GCM)`, `B, because ...`), or after a bracketed letter by any
 * text (`(B) AES-GCM`), unless that text starts with "or", "and", "nor", "vs" or "versus". Markdown markers (`*`,
 * `_`, `` ` ``, `~`) and surrounding quotes are ignored; full-width letters are folded (NFKC). Everything else is
 * refused as ambiguous or as prose: "A or B", "A/B", "A, B, or C", "either A or C", "not A", "B is correct",
 * "(A) or (B)", "B (or C)", a letter followed by prose ("a buffer overflow" is prose, not option A), and
 * run-together letters ("AC").
 *
 * **Other scorers** ({@link extractAnswer}) take the labelled answer when there is one, else the whole reply,
 * trimmed. {@link unwrapAnswer} then removes markdown wrappers, quotes and a final period.
 */

// The label; `lastIndex` is reset before every scan (one thread per module instance, no re-entrancy).
const LABEL = /\banswers?[ \t]*(?:[*_]{1,2}[ \t]*)?[:\uFF1A]/gi;
const PHRASE = /\b(?:answer|option|choice)s?\s+(?:is|are|would\s+be|should\s+be)\b[ \t]*[:\uFF1A]?/gi;
const BOXED = /\\boxed\s*\{((?:[^{}]|\{[^{}]*\})*)\}/g;
const LATEX_TEXT = /\\(?:text|textbf|mathrm|mathbf)\s*\{([^{}]*)\}/g;
const MARKDOWN = /[*_`~]/g;
const QUOTES = /^["'\u201C\u201D\u2018\u2019\u00AB\u00BB]+|["'\u201C\u201D\u2018\u2019\u00AB\u00BB]+$/g;
const LIST_PREFIX = /^(?:options?|choices?|letters?)(?:\s*[:#]\s*|\s+)/i;
// What may follow the last letter before other text: `)`, `. `, `: `, `, `, ` - `, ` (`.
const TEXT_OPENER = /^(?:\)|[.!:,;](?=\s)|\s*[:\-\u2013\u2014](?=\s)|\s+(?=\())/;
const CONJUNCTION = /^(?:or|and|nor|vs|versus)\b/i;
const OPENING_MARKERS = /[*_`]+$/;
const WRAPPERS = ['**', '__', '*', '_', '`', '"', "'"] as const;
const THINK_END = '</think>';

/** The text of `output` after its last `</think>` (the whole output when there is none). */
function afterReasoning(output: string): string {
  const at = output.lastIndexOf(THINK_END);
  return at === -1 ? output : output.slice(at + THINK_END.length);
}

/** The trimmed rest of the line from `from`, or the next non-empty line when that is empty. */
function lineValue(text: string, from: number): string {
  let end = text.indexOf('\n', from);
  if (end === -1) end = text.length;
  const rest = text.slice(from, end).trim();
  if (rest !== '') return rest;
  while (end < text.length) {
    const start = end + 1;
    end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).trim();
    if (line !== '') return line;
  }
  return '';
}

/** The index and length of the last match of the global `regex` in `text`, or null. */
function lastMatch(regex: RegExp, text: string): RegExpExecArray | null {
  regex.lastIndex = 0;
  let last: RegExpExecArray | null = null;
  for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
    last = match;
    if (match[0] === '') regex.lastIndex += 1;
  }
  return last;
}

/** The labelled answer of `text` (already past the reasoning), or null when there is no `answer:` label. */
function labelledIn(text: string): string | null {
  const match = lastMatch(LABEL, text);
  if (match === null) return null;
  const lineStart = text.lastIndexOf('\n', match.index - 1) + 1;
  // Markdown opened before the label (`**ANSWER: B**`, `**Answer:** B`) is closed after it: drop the closer.
  const opener = OPENING_MARKERS.exec(text.slice(lineStart, match.index))?.[0] ?? '';
  let value = lineValue(text, match.index + match[0].length);
  if (opener !== '' && !/[*_]/.test(match[0])) {
    if (value.startsWith(opener)) value = value.slice(opener.length).trim();
    else if (value.endsWith(opener)) value = value.slice(0, -opener.length).trim();
  }
  return value;
}

/** The value of the last `answer:` label of `output` (see the file's documentation), or null when there is none. */
export function findLabelledAnswer(output: string): string | null {
  return labelledIn(afterReasoning(output));
}

/** The answer for the non-choice scorers: the labelled answer, else the whole output, trimmed. */
export function extractAnswer(output: string): string {
  const text = afterReasoning(output);
  return labelledIn(text) ?? text.trim();
}

/** `value` without markdown wrappers (`**x**`, `` `x` ``, `_x_`), surrounding quotes and one final period. */
export function unwrapAnswer(value: string): string {
  let text = value.trim();
  for (let changed = true; changed;) {
    changed = false;
    for (const wrapper of WRAPPERS) {
      if (text.length > 2 * wrapper.length && text.startsWith(wrapper) && text.endsWith(wrapper)) {
        text = text.slice(wrapper.length, -wrapper.length).trim();
        changed = true;
      }
    }
    if (text.length > 2 && /^[\u201C\u2018\u00AB]/.test(text) && /[\u201D\u2019\u00BB]$/.test(text)) {
      text = text.slice(1, -1).trim();
      changed = true;
    }
  }
  if (text.length > 1 && text.endsWith('.') && !text.endsWith('..')) text = text.slice(0, -1).trimEnd();
  return text;
}

function letterIndex(code: number): number {
  if (code >= 65 && code <= 90) return code - 65;
  if (code >= 97 && code <= 122) return code - 97;
  return -1;
}

function isAlphanumeric(code: number): boolean {
  return letterIndex(code) !== -1 || (code >= 48 && code <= 57);
}

const CLOSING: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };

/** The item at `at`: [bit of its letter, index after it, bracketed?], or null. */
function readItem(text: string, at: number): [number, number, boolean] | null {
  const close = CLOSING[text.charAt(at)];
  if (close !== undefined) {
    const index = letterIndex(text.charCodeAt(at + 1));
    return index !== -1 && text.charAt(at + 2) === close ? [1 << index, at + 3, true] : null;
  }
  const index = letterIndex(text.charCodeAt(at));
  if (index === -1 || isAlphanumeric(text.charCodeAt(at + 1))) return null;
  return [1 << index, at + 1, false];
}

function skipSpaces(text: string, at: number): number {
  while (at < text.length && /\s/.test(text.charAt(at))) at++;
  return at;
}

/** The index after a separator at `at` (`,`, `;`, `&`, `+`, spaces, "and"), or -1 when there is none. */
function readSeparator(text: string, at: number): number {
  let next = skipSpaces(text, at);
  let found = next > at;
  if (next < text.length && ',;&+'.includes(text.charAt(next))) {
    next = skipSpaces(text, next + 1);
    found = true;
  }
  if (found && /^and\s/i.test(text.slice(next, next + 4))) {
    next = skipSpaces(text, next + 3);
  }
  return found ? next : -1;
}

/** True when `tail` may follow the last letter (see the file's documentation). */
function isAcceptedTail(tail: string, afterBracket: boolean, allowText: boolean): boolean {
  if (tail === '' || tail === '.' || tail === '!') return true;
  if (!allowText) return false;
  const opener = TEXT_OPENER.exec(tail) ?? (afterBracket ? /^\s+/.exec(tail) : null);
  if (opener === null) return false;
  const text = tail.slice(opener[0].length).replace(/^[\s(]+/, '');
  return !CONJUNCTION.test(text);
}

/**
 * The letter list in `value` as a bit set (bit 0 = A), or 0 when `value` is not a letter list. `allowText` permits
 * the option's text after the letters (patterns 1-3 of the file's documentation).
 */
export function parseLetterList(value: string, allowText: boolean): number {
  const text = value.normalize('NFKC').replace(MARKDOWN, '').trim().replace(QUOTES, '').trim();
  let at = LIST_PREFIX.exec(text)?.[0].length ?? 0;
  let mask = 0;
  let afterBracket = false;
  for (;;) {
    const item = readItem(text, at);
    if (item === null) return 0;
    mask |= item[0];
    at = item[1];
    afterBracket = item[2];
    const next = readSeparator(text, at);
    if (next === -1 || readItem(text, next) === null) break;
    at = next;
  }
  return isAcceptedTail(text.slice(at), afterBracket, allowText) ? mask : 0;
}

/** The letters of a bit set, in alphabetical order. */
export function lettersOf(mask: number): string[] {
  const letters: string[] = [];
  for (let i = 0; i < 26; i++) if ((mask & (1 << i)) !== 0) letters.push(String.fromCharCode(65 + i));
  return letters;
}

/** The letter of the one choice whose text equals `value` (ignoring case, markdown and spacing), else 0. */
function matchChoiceText(value: string, choices: readonly string[]): number {
  const wanted = normalizeChoiceText(unwrapAnswer(value));
  if (wanted === '') return 0;
  let found = 0;
  for (let i = 0; i < choices.length; i++) {
    if (normalizeChoiceText(choices[i] ?? '') !== wanted) continue;
    if (found !== 0) return 0;
    found = 1 << i;
  }
  return found;
}

function normalizeChoiceText(text: string): string {
  return text.normalize('NFKC').replace(MARKDOWN, '').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** The letter set named by a choice reply as a bit set (bit 0 = A), or 0 for no answer. */
export function extractChoiceMask(output: string, choices?: readonly string[]): number {
  const text = afterReasoning(output);
  const labelled = labelledIn(text);
  if (labelled !== null) {
    const mask = parseLetterList(labelled, true);
    return mask !== 0 || choices === undefined ? mask : matchChoiceText(labelled, choices);
  }
  const boxed = lastMatch(BOXED, text);
  if (boxed !== null) {
    const mask = parseLetterList((boxed[1] ?? '').replace(LATEX_TEXT, '$1'), true);
    if (mask !== 0) return mask;
  }
  const phrase = lastMatch(PHRASE, text);
  if (phrase !== null) {
    const mask = parseLetterList(lineValue(text, phrase.index + phrase[0].length), true);
    if (mask !== 0) return mask;
  }
  const end = text.trimEnd().length;
  const lastLine = text.slice(text.lastIndexOf('\n', end - 1) + 1, end);
  return parseLetterList(lastLine, false);
}

/**
 * The letters a choice reply names, in alphabetical order (e.g. ["A", "C"]), or null when it names none or is
 * ambiguous. `choices` lets a labelled answer name an option by its text.
 */
export function extractChoice(output: string, choices?: readonly string[]): string[] | null {
  const mask = extractChoiceMask(output, choices);
  return mask === 0 ? null : lettersOf(mask);
}
