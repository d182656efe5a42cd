/*
 * What the view knows and how it gets it: the data files (data/*.js) register themselves through
 * `window.__redline`, loaded with <script src> because Chromium blocks fetch() from file://. Samples load
 * progressively after meta.js; outputs and transcripts when a sample is opened.
 */
(function (page) {
  'use strict';

  const { showProblem } = page;
  // renderApp and refreshBrowser are defined by scripts loaded after this one: called as page.renderApp() etc.,
  // they are looked up when meta.js and the sample chunks arrive, once every page script has run.

  /** Everything the page knows. */
  const view = {
    meta: null,
    /** Per run index: its state (rows, filters, lazily loaded outputs and transcripts). */
    runs: [],
    comparisons: [],
    started: performance.now(),
    timings: {},
  };
  window.__redlineTimings = view.timings;

  function pad4(n) {
    return String(n).padStart(4, '0');
  }

  /** A data file's path, from numbers only (never from a string in the data). */
  function dataFile(run, kind, chunk) {
    if (!Number.isInteger(run) || !Number.isInteger(chunk) || !'sot'.includes(kind)) {
      throw new Error('bad data file reference');
    }
    return `data/r${run}-${kind}${pad4(chunk)}.js`;
  }

  /** Loads one of the view's data files; resolves once it has run (it registers its data synchronously). */
  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = src;
      script.addEventListener('load', () => {
        script.remove();
        resolve();
      });
      script.addEventListener('error', () => {
        script.remove();
        reject(new Error(`${src} did not load: the view is incomplete (write it again with "redline view")`));
      });
      document.head.appendChild(script);
    });
  }

  /** Loads a file once, remembering the promise. */
  function loadOnce(cache, key, src) {
    let promise = cache.get(key);
    if (promise === undefined) {
      promise = loadScript(src);
      cache.set(key, promise);
      promise.catch(() => cache.delete(key));
    }
    return promise;
  }

  // ---------------------------------------------------------------- data registration (called by data/*.js)

  function setMeta(meta) {
    if (view.meta !== null) return;
    view.meta = meta;
    view.runs = meta.runs.map((run, index) => createRunState(run, index));
    view.comparisons = meta.comparisons;
    page.renderApp();
    void loadAllSamples();
  }

  function addSamples(chunk) {
    const rs = view.runs[chunk.run];
    if (rs === undefined) return;
    chunk.rows.forEach((raw, offset) => {
      const [id, category, reduced, transcriptChunk, epochs] = raw;
      const codes = [];
      let isInvalid = false;
      for (const cell of epochs) {
        if (cell[1] === 'error') {
          if (cell[4] !== null && !codes.includes(cell[4])) codes.push(cell[4]);
          if (view.meta.invalidCodes.includes(cell[4])) isInvalid = true;
        }
      }
      const row = {
        run: chunk.run,
        seq: rs.rows.length,
        id,
        category,
        reduced,
        transcriptChunk,
        epochs,
        chunk: chunk.chunk,
        offset,
        errorCodes: codes,
        hasError: codes.length > 0 || epochs.some((cell) => cell[1] === 'error'),
        isInvalid,
        haystack: null,
      };
      rs.rows.push(row);
      rs.byId.set(id, row);
      if (!rs.categorySet.has(category)) {
        rs.categorySet.add(category);
        rs.categoryList.push(category);
        rs.categoriesChanged = true;
      }
      for (const code of codes) {
        if (!rs.errorCodes.includes(code)) {
          rs.errorCodes.push(code);
          rs.errorCodesChanged = true;
        }
      }
    });
    rs.loadedChunks++;
  }

  function addOutputs(chunk) {
    const rs = view.runs[chunk.run];
    if (rs !== undefined) rs.outputs.set(chunk.chunk, chunk.outputs);
  }

  function addTranscripts(chunk) {
    const rs = view.runs[chunk.run];
    if (rs === undefined) return;
    for (const [sampleId, epochs] of chunk.transcripts) rs.transcripts.set(sampleId, epochs);
  }

  Object.defineProperty(window, '__redline', {
    value: Object.freeze({ setMeta, addSamples, addOutputs, addTranscripts }),
    writable: false,
    configurable: false,
  });

  window.addEventListener('load', () => {
    if (view.meta === null) {
      document.body.dataset.state = 'error';
      showProblem('data/meta.js did not load: the view is incomplete (write it again with "redline view").');
    }
  });

  // ---------------------------------------------------------------- loading

  function createRunState(run, index) {
    const categoryList = Object.keys(run.report.categories);
    return {
      index,
      run,
      report: run.report,
      rows: [],
      byId: new Map(),
      categoryList,
      categorySet: new Set(categoryList),
      categoriesChanged: true,
      errorCodes: [],
      errorCodesChanged: true,
      loadedChunks: 0,
      outputs: new Map(),
      outputLoads: new Map(),
      transcripts: new Map(),
      transcriptLoads: new Map(),
      filters: { category: '', score: '', error: '', text: '', sort: 'id' },
      browser: null,
    };
  }

  async function loadAllSamples() {
    try {
      // First render: the header, the chart and the first chunk of the first run's samples on screen.
      if (view.runs.length === 0 || view.runs[0].run.sampleChunks === 0) markFirstRender();
      for (const rs of view.runs) {
        for (let chunk = 0; chunk < rs.run.sampleChunks; chunk++) {
          await loadScript(dataFile(rs.index, 's', chunk));
          scheduleRefresh(rs);
          if (rs.index === 0 && chunk === 0) markFirstRender();
        }
        scheduleRefresh(rs);
      }
      await new Promise((resolve) => requestAnimationFrame(resolve));
      for (const rs of view.runs) page.refreshBrowser(rs);
      view.timings.loadedMs = performance.now();
      document.body.dataset.state = 'ready';
    } catch (error) {
      document.body.dataset.state = 'error';
      showProblem(error.message);
    }
  }

  function markFirstRender() {
    if (view.timings.firstRenderMs !== undefined) return;
    const rs = view.runs[0];
    if (rs !== undefined) page.refreshBrowser(rs);
    requestAnimationFrame(() => {
      view.timings.firstRenderMs = performance.now();
      document.body.dataset.firstRender = 'done';
    });
  }

  const pendingRefresh = new Set();
  let refreshQueued = false;

  /** Refreshes a run's sample list at most once per frame while chunks arrive. */
  function scheduleRefresh(rs) {
    pendingRefresh.add(rs);
    if (refreshQueued) return;
    refreshQueued = true;
    requestAnimationFrame(() => {
      refreshQueued = false;
      for (const each of pendingRefresh) page.refreshBrowser(each);
      pendingRefresh.clear();
    });
  }

  Object.assign(page, { view, dataFile, loadOnce });
})(window.__redlinePage);
