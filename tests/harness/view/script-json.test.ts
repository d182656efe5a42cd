import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { scriptCall, toScriptJson } from '../../../harness/view/script-json.js';

const HOSTILE = [
  '</script><img src=x onerror=alert(1)>',
  '<script>window.pwned=1</script>',
  '<!-- -->',
  'line\u2028separator\u2029paragraph',
  'é 漢字 😀 \u0000 \u007f',
  '\ud800 lone surrogate',
  '"quoted" \\ backslash',
];

describe('toScriptJson', () => {
  it('writes pure ASCII with no <, >, & or line separator left raw', () => {
    const text = toScriptJson({ values: HOSTILE, [HOSTILE[0]!]: HOSTILE[1] });
    expect(text).toMatch(/^[\x20-\x7e]*$/);
    expect(text).not.toMatch(/[<>&]/);
    expect(text).toContain('\\u003c/script\\u003e');
  });

  it('reads back exactly the value, through JSON.parse and through a JavaScript engine', () => {
    const value = { values: HOSTILE, nested: [{ a: HOSTILE[3], n: 0.675, nil: null }] };
    expect(JSON.parse(toScriptJson(value))).toEqual(value);
    let received: unknown;
    runInNewContext(scriptCall('setMeta', value), { __redline: { setMeta: (v: unknown) => (received = v) } });
    expect(received).toEqual(value);
  });

  it('refuses a method name that is not a plain identifier', () => {
    expect(() => scriptCall('x);alert(1', {})).toThrow(TypeError);
  });
});
