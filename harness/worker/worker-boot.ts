/**
 * dist/cli/run-unit-boot.cjs, the worker threads' file in the bundled CLI (create-unit-pool.ts): loads the
 * worker bundle (run-unit.cjs) through its code cache and hands piscina its task function (a session). During the
 * build's warm-up (REDLINE_CODE_CACHE_WARMUP=1, harness/build/warm-code-cache.ts) it saves that cache when a
 * session ends.
 */
import { fileURLToPath } from 'node:url';
import { requireWithCodeCache } from '../cli/code-cache.js';

type TaskFunction = (task: unknown) => Promise<unknown>;

const unit = requireWithCodeCache(fileURLToPath(new URL('./run-unit.cjs', import.meta.url)));
const run = unit.exports['default'] as TaskFunction;

const warmingUp = process.env['REDLINE_CODE_CACHE_WARMUP'] === '1';

/** The worker's task function, as run-unit.ts exports it. */
export default warmingUp
  ? async (session: unknown): Promise<unknown> => {
      const result = await run(session);
      unit.saveCache();
      return result;
    }
  : run;
