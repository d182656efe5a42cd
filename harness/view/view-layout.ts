/**
 * The files of a view directory (`redline view --out DIR`): the page, its data files and the marker that makes
 * the directory recognisable as a view, so that writing again replaces exactly these files and nothing else.
 *
 * ```
 * DIR/.redline-view        marker (JSON: format, harness version, runs)
 * DIR/index.html           the page (Content-Security-Policy: its own files only)
 * DIR/*.js                 the page's scripts (PAGE_SCRIPTS)
 * DIR/viewer.css           its styles
 * DIR/data/meta.js         runs, reports, comparisons
 * DIR/data/rR-sNNNN.js     samples of run R, chunk N (loaded progressively)
 * DIR/data/rR-oNNNN.js     model outputs of the same chunk (loaded when a sample is opened)
 * DIR/data/rR-tNNNN.js     transcripts of run R (loaded when a sample is opened)
 * ```
 */

/** The marker file of a view directory. */
export const VIEW_MARKER = '.redline-view';

/** The marker's `format`. */
export const VIEW_FORMAT = 'redline.view/v1';

/**
 * The page's scripts, in the order index.html loads them (each uses what the ones before it define; a test checks
 * index.html and the directory against this list, so a page file cannot be left out of a view).
 */
export const PAGE_SCRIPTS = [
  'dom.js',
  'virtual-list.js',
  'charts.js',
  'data-registry.js',
  'transcript-view.js',
  'sample-view.js',
  'sample-browser.js',
  'run-view.js',
  'comparison-view.js',
  'app-tabs.js',
] as const;

/** The page's own files, copied from harness/view/page/. */
export const PAGE_FILES = ['index.html', ...PAGE_SCRIPTS, 'viewer.css'] as const;

/** Page files that views written by earlier versions hold (the page's code was one file): replaced when written again. */
const OLD_PAGE_FILES: readonly string[] = ['viewer.js'];

/** The data directory inside a view. */
export const DATA_DIR = 'data';

/** The file with the runs, their reports and the comparisons, loaded by index.html. */
export const META_FILE = 'meta.js';

/** The kinds of chunked data files: samples, model outputs, transcripts. */
export type ChunkKind = 's' | 'o' | 't';

/** The name (inside data/) of chunk `chunk` of kind `kind` of the view's run number `run`. */
export function chunkFileName(run: number, kind: ChunkKind, chunk: number): string {
  return `r${run}-${kind}${String(chunk).padStart(4, '0')}.js`;
}

/** Whether `name` (inside data/) is a file a view writes. */
export function isViewDataFile(name: string): boolean {
  return name === META_FILE || /^r\d+-[sot]\d{4,}\.js$/.test(name);
}

/** Whether `name` (at the top of a view directory) is an entry a view writes. */
export function isViewTopEntry(name: string): boolean {
  return (
    name === VIEW_MARKER ||
    name === DATA_DIR ||
    (PAGE_FILES as readonly string[]).includes(name) ||
    OLD_PAGE_FILES.includes(name)
  );
}
