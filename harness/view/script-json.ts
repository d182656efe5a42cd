/**
 * Data embedded in the view's JavaScript files: JSON made inert inside a script. Model output, suite text and
 * transcripts are hostile input, so every character that could end a script element or a string literal, or be
 * read differently under another charset, is written as a \u escape.
 */

/** The one global the page defines (harness/view/page/data-registry.js); data files call its methods. */
export const VIEW_GLOBAL = '__redline';

/**
 * `value` as JSON that can sit anywhere in a JavaScript file, or inside a `<script>` element: `<`, `>` and `&`
 * (no `</script>` or `<!--`), U+2028 and U+2029 (line terminators in older engines) and every other non-ASCII
 * character are \u-escaped, so the text is pure ASCII. Lone surrogates are already escaped by JSON.stringify.
 * JSON.parse and a JavaScript engine read back exactly `value`.
 *
 * @example toScriptJson({ answer: '</script>' }) // '{"answer":"\\u003c/script\\u003e"}'
 */
export function toScriptJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('toScriptJson: value has no JSON form');
  return json.replace(/[<>&\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A data file's whole text: one call `__redline.METHOD(JSON);` on a line of its own.
 *
 * @example scriptCall('addSamples', { run: 0, chunk: 0, rows: [] }) // '__redline.addSamples({...});\n'
 */
export function scriptCall(method: string, value: unknown): string {
  if (!/^[a-zA-Z]+$/.test(method)) throw new TypeError(`scriptCall: bad method name ${method}`);
  return `${VIEW_GLOBAL}.${method}(${toScriptJson(value)});\n`;
}
