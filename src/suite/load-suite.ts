/**
 * Opens a suite: reads and fully validates it in one streaming pass, and hands out a handle that streams its
 * samples again on demand. (Stub: filled in by the suite work.)
 */
import type { Category, Sample, SuiteDefaults } from '../schema/suite.js';
import { RedlineError } from '../errors.js';

/** The suite without its samples, categories resolved (weights default to 1). */
export interface SuiteHeader {
  id: string;
  version: string;
  title: string;
  description?: string;
  license?: string;
  categories: Record<string, Required<Pick<Category, 'weight'>> & Omit<Category, 'weight'>>;
  defaults: SuiteDefaults;
}

/** An opened, validated suite. */
export interface SuiteHandle {
  /** The path as the user gave it. */
  path: string;
  /** The suite file (suite.json / suite.yaml / the single file). */
  file: string;
  /** The directory that relative sample paths resolve against. */
  dir: string;
  header: SuiteHeader;
  /** Lowercase hex sha256 of the canonical content (see hash-suite.ts). */
  sha256: string;
  sampleCount: number;
  /** Streams the samples in file order; each call starts a new pass. */
  samples(): AsyncIterable<Sample>;
}

/** Opens and validates a suite; throws E_INPUT (unreadable) or E_SCHEMA (details.problems: Problem[]). */
export async function openSuite(path: string): Promise<SuiteHandle> {
  await Promise.resolve();
  throw new RedlineError('E_INTERNAL', `openSuite(${path}) is not implemented yet`);
}
