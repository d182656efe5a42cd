/**
 * Where `npm run demo` keeps its keys, sealed assessment and checkpoint (relative to the working directory). Its own
 * module so that `redline view` can refuse to write a view there without loading the demo.
 */
export const DEMO_DIR = '.redline-demo';
