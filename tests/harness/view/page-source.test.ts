/**
 * The view's page as shipped: data reaches it only as text, and it asks for nothing outside its own files.
 * (The browser tests in tests/e2e/view.test.ts check the same in Chromium.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pageDir, readPageFiles } from '../../../harness/view/page-assets.js';
import { PAGE_FILES, PAGE_SCRIPTS } from '../../../harness/view/view-layout.js';

const source = (name: string): string => readFileSync(join(pageDir(), name), 'utf8');

describe('the view page', () => {
  it('never parses a string as HTML nor evaluates one as code', () => {
    for (const name of PAGE_SCRIPTS) {
      const code = source(name);
      expect(code, name).not.toMatch(/\.(innerHTML|outerHTML|insertAdjacentHTML|createContextualFragment)\b/);
      expect(code, name).not.toMatch(/document\.write|\beval\s*\(|new Function|setTimeout\(\s*['"`]|srcdoc/);
      expect(code, name).not.toMatch(/setAttribute\(\s*['"]on|\.on[a-z]+\s*=/);
    }
  });

  it('names no URL outside its own directory', () => {
    for (const name of PAGE_FILES) {
      const text = source(name).replaceAll('http://www.w3.org/2000/svg', '');
      expect(text, name).not.toMatch(/https?:|\/\/[a-z0-9.-]+\.[a-z]{2,}|@import|url\(/i);
    }
  });

  it('sets a Content-Security-Policy that allows nothing but its own scripts and styles', () => {
    const html = source('index.html');
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    const directives = new Map(
      csp!.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name!, values.join(' ')];
      }),
    );
    expect(directives.get('default-src')).toBe("'none'");
    expect(directives.get('script-src')).toBe("'self'");
    expect(directives.get('style-src')).toBe("'self'");
    expect(directives.get('form-action')).toBe("'none'");
    expect(directives.get('base-uri')).toBe("'none'");
    expect(html).not.toMatch(/<script>|<style|\sstyle=|\son[a-z]+=/i);
  });

  it('is found and read whole: every file of the directory, every script loaded by index.html in order', () => {
    expect([...readPageFiles().keys()]).toEqual([...PAGE_FILES]);
    expect(readdirSync(pageDir()).sort()).toEqual([...PAGE_FILES].sort());
    const scripts = [...source('index.html').matchAll(/<script src="([^"]+)"><\/script>/g)].map((m) => m[1]);
    expect(scripts).toEqual([...PAGE_SCRIPTS, 'data/meta.js']);
  });
});
