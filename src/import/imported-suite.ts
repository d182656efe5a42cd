/**
 * What an importer turns a public benchmark into: a suite header and samples in Redline's format (DESIGN.md §3),
 * plus every row it could not import (never dropped silently) and warnings.
 */
import type {
  Category,
  ImageBuild,
  Sample,
  ScorerSpec,
  SuiteDefaults,
  SuiteSource,
} from '../schema/suite.js';

/** A row of the source that could not be imported, and why. */
export interface RejectedRow {
  /** 1-based row, line or task number in the source (for a JSON array: its index + 1). */
  index: number;
  /** The row's own id when it has one. */
  id?: string;
  /** What is wrong with it. */
  reason: string;
}

/** The result of one import. */
export interface ImportedSuite {
  header: {
    id: string;
    version: string;
    title: string;
    description?: string;
    license?: string;
    categories: Record<string, Category>;
    defaults: SuiteDefaults;
    source: SuiteSource;
    /** Build recipes of the images its docker challenges use (`redline images --build`). */
    images?: Record<string, ImageBuild>;
  };
  samples: Sample[];
  rejected: RejectedRow[];
  warnings: string[];
  /** Files to copy beside the suite: sandbox files referenced by `{"path": ...}` (destination -> source path). */
  files?: Record<string, string>;
}

/** Field mapping for the generic jsonl/csv importers (Inspect's FieldSpec idea): `input=question,target=answer`. */
export interface FieldMap {
  input: string;
  target: string;
  /** Columns holding the options, in letter order (choices=opt_a|opt_b|...). */
  choices?: string[];
  category?: string;
  id?: string;
}

/** Options every importer accepts. */
export interface ImportOptions {
  /** Suite id (default: derived from the format). */
  id?: string;
  /** Suite version (default "1.0.0"). */
  version?: string;
  /** Suite title (default: derived from the format). */
  title?: string;
  /** License text to record (default: the source's own, when it carries one). */
  license?: string;
  /** secbench: keep only this language. */
  language?: string;
  /** jsonl/csv: how columns map to sample fields. */
  map?: FieldMap;
  /** jsonl/csv (and overrides): the scorer of every sample. */
  scorer?: ScorerSpec;
  /** cyberseceval-mcq: score multi-answer sets with Jaccard partial credit. */
  partial?: 'jaccard';
  /** cybench, nyu-ctf: the agent container's image in docker challenges (default redline/agent:latest). */
  agentImage?: string;
}

/** An importer of one source format. */
export interface Importer {
  /** The format name of `redline suite import FORMAT`. */
  format: string;
  /** One line on the source shape, for --help. */
  description: string;
  /** Reads `source` (a file or directory) and converts it; throws E_INPUT / E_MALFORMED only for the whole source. */
  importSource(source: string, options: ImportOptions): Promise<ImportedSuite>;
}
