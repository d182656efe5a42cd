/**
 * Locates the first syntax error of a JSON text. `JSON.parse` reports a position for some errors only, and quotes
 * the offending text in others (which may be benchmark content); this scanner gives every error a line, a column
 * and a short message of its own. It runs only after `JSON.parse` has failed, so its speed does not matter.
 */

/** A JSON syntax error: 1-based line and column (columns count UTF-16 code units). */
export interface JsonSyntaxError {
  line: number;
  column: number;
  message: string;
}

class ScanError extends Error {
  readonly offset: number;
  constructor(offset: number, message: string) {
    super(message);
    this.offset = offset;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Finds the first syntax error in `text` (undefined when it is valid JSON, or too deeply nested to scan). */
export function locateJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    scanDocument(text);
    return undefined;
  } catch (error) {
    if (error instanceof ScanError) return { ...lineAndColumn(text, error.offset), message: error.message };
    if (error instanceof RangeError) return undefined; // recursion too deep: leave it to JSON.parse's message
    throw error;
  }
}

/** Converts a UTF-16 offset into a 1-based line and column. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

function scanDocument(text: string): void {
  let pos = 0;

  const describe = (at: number): string => {
    if (at >= text.length) return 'end of input';
    const ch = text[at] ?? '';
    return ch === "'" ? `character "'" (JSON strings use double quotes)` : `character ${JSON.stringify(ch)}`;
  };
  const skipSpace = (): void => {
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) pos++;
      else return;
    }
  };

  const scanString = (): void => {
    const start = pos;
    pos++; // opening quote
    for (;;) {
      if (pos >= text.length) throw new ScanError(start, 'unterminated string');
      const c = text.charCodeAt(pos);
      if (c === 34) {
        pos++;
        return;
      }
      if (c < 32) throw new ScanError(pos, 'control character in string (escape it, e.g. \\n)');
      if (c === 92) {
        const next = text[pos + 1] ?? '';
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
            throw new ScanError(pos, 'invalid \\u escape (needs four hex digits)');
          }
          pos += 6;
        } else if ('"\\/bfnrt'.includes(next) && next !== '') {
          pos += 2;
        } else {
          throw new ScanError(pos, `invalid escape "\\${next}"`);
        }
        continue;
      }
      pos++;
    }
  };

  const scanNumber = (): void => {
    NUMBER.lastIndex = pos;
    const match = NUMBER.exec(text);
    if (match === null) throw new ScanError(pos, 'invalid number');
    pos += match[0].length;
    const c = text[pos];
    if (c !== undefined && /[0-9.eE+-]/.test(c)) throw new ScanError(pos, 'invalid number');
  };

  const scanValue = (): void => {
    skipSpace();
    const c = text[pos];
    if (c === '{') return scanObject();
    if (c === '[') return scanArray();
    if (c === '"') return scanString();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return scanNumber();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return undefined;
      }
    }
    throw new ScanError(pos, `expected a value, found ${describe(pos)}`);
  };

  const scanObject = (): void => {
    pos++;
    skipSpace();
    if (text[pos] === '}') {
      pos++;
      return;
    }
    for (;;) {
      skipSpace();
      if (text[pos] !== '"') {
        throw new ScanError(
          pos,
          text[pos] === '}'
            ? 'trailing comma before "}"'
            : `expected a double-quoted property name, found ${describe(pos)}`,
        );
      }
      scanString();
      skipSpace();
      if (text[pos] !== ':')
        throw new ScanError(pos, `expected ":" after the property name, found ${describe(pos)}`);
      pos++;
      scanValue();
      skipSpace();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === '}') {
        pos++;
        return;
      }
      throw new ScanError(pos, `expected "," or "}" after a property value, found ${describe(pos)}`);
    }
  };

  const scanArray = (): void => {
    pos++;
    skipSpace();
    if (text[pos] === ']') {
      pos++;
      return;
    }
    for (;;) {
      skipSpace();
      if (text[pos] === ']') throw new ScanError(pos, 'trailing comma before "]"');
      scanValue();
      skipSpace();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === ']') {
        pos++;
        return;
      }
      throw new ScanError(pos, `expected "," or "]" after an array item, found ${describe(pos)}`);
    }
  };

  scanValue();
  skipSpace();
  if (pos < text.length) throw new ScanError(pos, `unexpected ${describe(pos)} after the JSON value`);
}
