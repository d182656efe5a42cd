/**
 * Loads a CommonJS bundle through V8's code cache: the bundled CLI's fast start (issue 13).
 *
 * Node 20 has no compile cache of its own (module.enableCompileCache is Node 22), so the bundle (dist/cli/*.cjs,
 * harness/build/bundle-cli.ts) is compiled here with `vm.Script` and the bytecode `npm run build` saved beside it
 * (`FILE[.VARIANT].cache`, written after warm-ups that ran the common commands: harness/build/warm-code-cache.ts). With the
 * cache V8 neither parses nor compiles what the warm-up ran; without it, or when V8 rejects it (another Node
 * version or V8 flags), the bundle compiles as any script does: slower, never wrong.
 *
 * A cache older than its bundle (the bundle edited or rebuilt afterwards) is ignored: V8 itself only checks the
 * source's length.
 */
import { readFileSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** A bundle loaded by {@link requireWithCodeCache}. */
export interface CachedModule {
  /** Its `module.exports`. */
  exports: Record<string, unknown>;
  /** How its code cache was used: read and accepted, rejected by V8, or absent (or older than the bundle). */
  cache: 'used' | 'rejected' | 'none';
  /** Writes the bytecode compiled so far, the warm-up's included, to its cache file (atomically). */
  saveCache(): void;
}

/** The code cache file of a bundle; `variant` names one of several caches of the same bundle. */
export function cacheFileOf(file: string, variant?: string): string {
  return variant === undefined ? `${file}.cache` : `${file}.${variant}.cache`;
}

/**
 * Runs the CommonJS file `file` as `require` would, compiled with its code cache when a current one exists.
 * `variant` picks one of the bundle's caches: each holds what one warm-up compiled, and V8 reads a cache whole, so
 * a command that needs little starts from a small one.
 *
 * @example
 * const cli = requireWithCodeCache('/opt/redline/dist/cli/redline.cjs');
 * await (cli.exports.main as () => Promise<void>)();
 */
export function requireWithCodeCache(file: string, variant?: string): CachedModule {
  const source = readFileSync(file, 'utf8');
  const cacheFile = cacheFileOf(file, variant);
  const cachedData = readCurrentCache(file, cacheFile);
  // The wrapper CommonJS modules get (Module.wrap), written out: the line numbers of errors stay the bundle's.
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
  const script = new Script(wrapped, {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
  const cache = cachedData === undefined ? 'none' : script.cachedDataRejected === true ? 'rejected' : 'used';
  const wrapper = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: unknown,
    filename: string,
    dirname: string,
  ) => void;
  const module = { exports: {} as Record<string, unknown>, filename: file, loaded: false };
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  module.loaded = true;
  return {
    exports: module.exports,
    cache,
    saveCache(): void {
      // Worker threads of one process may save at once: each writes its own file, the last rename wins.
      const temporary = `${cacheFile}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
      writeFileSync(temporary, script.createCachedData());
      renameSync(temporary, cacheFile);
    },
  };
}

function readCurrentCache(file: string, cacheFile: string): Buffer | undefined {
  try {
    if (statSync(cacheFile).mtimeMs < statSync(file).mtimeMs) return undefined;
    return readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}
