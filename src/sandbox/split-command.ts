/**
 * splitCommand: a compose `command:` string split into words as compose splits it. The words are never run under
 * a shell.
 */

/** Splits a command line as compose does (POSIX shell words, no expansion); undefined for unbalanced quotes. */
export function splitCommand(line: string): string[] | undefined {
  const words: string[] = [];
  let word = '';
  let isInWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line.charAt(i + 1)))
        word += line.charAt(++i);
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      isInWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line.charAt(++i);
      isInWord = true;
    } else if (/\s/.test(c)) {
      if (isInWord) words.push(word);
      word = '';
      isInWord = false;
    } else {
      word += c;
      isInWord = true;
    }
  }
  if (quote !== undefined) return undefined;
  if (isInWord) words.push(word);
  return words;
}
