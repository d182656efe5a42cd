/**
 * Child process of the crash tests of `convertStore`: converts DB from the key of seed FROM ("-" for plaintext) to
 * the key of seed TO, and kills itself with SIGKILL right after STEP: a real crash, no cleanup code runs.
 *
 *   node --import tsx tests/helpers/crash-convert.ts DB STEP FROM TO
 */
import { convertStore } from '../../src/store/convert-store.js';
import { seededStoreKey } from './db-files.js';

const [file, crashAfter, fromSeed, toSeed] = process.argv.slice(2);
if (file === undefined || crashAfter === undefined || fromSeed === undefined || toSeed === undefined) {
  throw new Error('usage: crash-convert.ts DB STEP FROM TO');
}
convertStore(file, {
  ...(fromSeed === '-' ? {} : { from: seededStoreKey(fromSeed) }),
  to: seededStoreKey(toSeed),
  onStep: (step) => {
    if (step === crashAfter) process.kill(process.pid, 'SIGKILL');
  },
});
