/*
 * The Redline view (written by `redline view`, harness/view/write-view.ts): runs from data files that register
 * themselves through `window.__redline`, loaded with <script src> because Chromium blocks fetch() from file://.
 *
 * Every string from a model, a suite or a transcript is hostile: it reaches the page only as text
 * (textContent, createTextNode), never as markup, never in a URL. There is no innerHTML here (a test checks it);
 * attributes are set from this file's own constants and numbers. Figures are shown as the report computed them:
 * this file computes no statistic.
 *
 * Data shapes: harness/view/view-data.ts.
 */
(function () {
  'use strict';

  const SVG_NS = 'http://www.w3.org/2000/svg';
  const ROW_HEIGHT = 30;
  const OVERSCAN = 12;
  const DECISION_COLOURS = { covered: '#D55E00', 'not-covered': '#0072B2', inconclusive: '#E69F00' };
  const STOP_REASONS = {
    submitted: 'submitted an answer',
    max_turns: 'turn limit reached',
    time_limit: 'time limit reached',
    token_limit: 'token limit reached',
    model_error: 'the model call failed',
  };

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

  // ---------------------------------------------------------------- DOM helpers (text only, never markup)

  /** An HTML element; `attrs` come from this file only, `children` are nodes or strings (made text nodes). */
  function h(tag, attrs, ...children) {
    const element = document.createElement(tag);
    setAttributes(element, attrs);
    appendChildren(element, children);
    return element;
  }

  /** An SVG element, as h(). */
  function s(tag, attrs, ...children) {
    const element = document.createElementNS(SVG_NS, tag);
    setAttributes(element, attrs);
    appendChildren(element, children);
    return element;
  }

  function setAttributes(element, attrs) {
    if (attrs === null || attrs === undefined) return;
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'class') element.setAttribute('class', value);
      else element.setAttribute(name, value === true ? '' : String(value));
    }
  }

  function appendChildren(element, children) {
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) appendChildren(element, child);
      else if (typeof child === 'string' || typeof child === 'number')
        element.appendChild(document.createTextNode(String(child)));
      else element.appendChild(child);
    }
  }

  /** A number as shown (3 decimals), or a dash. */
  function fmt(value, digits = 3) {
    return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '–';
  }

  /** A signed difference (+0.067). */
  function fmtSigned(value) {
    if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
    const text = value.toFixed(3);
    if (text === '-0.000') return '0.000';
    return value > 0 && text !== '0.000' ? `+${text}` : text;
  }

  /** A cell showing a figure: its text rounded, its exact value in data-value (for checks against --json). */
  function figure(tag, name, value, text) {
    return h(
      tag,
      { 'data-figure': name, 'data-value': value === null || value === undefined ? 'null' : String(value) },
      text === undefined ? fmt(value) : text,
    );
  }

  function fmtMs(ms) {
    if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
    if (ms < 1000) return `${ms.toFixed(0)} ms`;
    const seconds = ms / 1000;
    if (seconds < 120) return `${seconds.toFixed(1)} s`;
    const minutes = Math.floor(seconds / 60);
    return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
  }

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

  function showProblem(message) {
    const banner = h('p', { class: 'problem', role: 'alert' }, message);
    const app = document.getElementById('app');
    app.insertBefore(banner, app.firstChild);
  }

  // ---------------------------------------------------------------- data registration (called by data/*.js)

  function setMeta(meta) {
    if (view.meta !== null) return;
    view.meta = meta;
    view.runs = meta.runs.map((run, index) => createRunState(run, index));
    view.comparisons = meta.comparisons;
    renderApp();
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
      for (const rs of view.runs) refreshBrowser(rs);
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
    if (rs !== undefined) refreshBrowser(rs);
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
      for (const each of pendingRefresh) refreshBrowser(each);
      pendingRefresh.clear();
    });
  }

  // ---------------------------------------------------------------- the page

  function renderApp() {
    const app = document.getElementById('app');
    app.replaceChildren();
    const tabs = h('nav', { class: 'tabs', role: 'tablist' });
    const panels = h('div', { class: 'panels' });
    const entries = [];
    view.runs.forEach((rs, index) => {
      entries.push({
        label: [`Run ${index + 1}: `, h('span', { class: 'mono' }, rs.run.runId)],
        panel: renderRunPanel(rs),
        key: `run-${index}`,
      });
    });
    view.comparisons.forEach((entry, index) => {
      entries.push({
        label: `Comparison: run ${entry.b + 1} vs run ${entry.a + 1}`,
        panel: renderComparisonPanel(entry, index),
        key: `comparison-${index}`,
      });
    });
    const buttons = entries.map((entry, index) => {
      const button = h(
        'button',
        {
          type: 'button',
          role: 'tab',
          class: 'tab',
          'data-tab': entry.key,
          'aria-selected': index === 0 ? 'true' : 'false',
        },
        entry.label,
      );
      button.addEventListener('click', () => select(index));
      tabs.appendChild(button);
      entry.panel.setAttribute('role', 'tabpanel');
      entry.panel.setAttribute('data-panel', entry.key);
      if (index !== 0) entry.panel.hidden = true;
      panels.appendChild(entry.panel);
      return button;
    });
    function select(selected) {
      buttons.forEach((button, index) => {
        button.setAttribute('aria-selected', index === selected ? 'true' : 'false');
        entries[index].panel.hidden = index !== selected;
      });
      for (const rs of view.runs) if (rs.browser !== null) rs.browser.list.refresh();
      for (const list of comparisonLists) list.refresh();
    }
    app.append(
      h(
        'p',
        { class: 'generated' },
        `Written ${view.meta.generatedAt} by Redline ${view.meta.harnessVersion}. Figures are those of `,
        h('code', null, 'redline report RUN_ID --json'),
        ' and ',
        h('code', null, 'redline compare A B --json'),
        '.',
      ),
      tabs,
      panels,
    );
  }

  // ---------------------------------------------------------------- one run

  function renderRunPanel(rs) {
    const report = rs.report;
    return h(
      'section',
      { class: 'run' },
      renderHeader(report),
      renderDesignation(report),
      renderFigures(report),
      renderBrowser(rs),
    );
  }

  function field(label, ...value) {
    return h('div', { class: 'field' }, h('dt', null, label), h('dd', null, ...value));
  }

  function mono(text) {
    return h('span', { class: 'mono' }, text === null || text === undefined ? '–' : String(text));
  }

  function renderHeader(report) {
    const policy = report.designation.policy;
    const fields = [
      field(
        'run',
        mono(report.runId),
        ' ',
        h('span', { class: `status status-${report.status}` }, report.status),
      ),
      field(
        'suite',
        report.suite.id,
        ' ',
        mono(report.suite.version),
        h('br'),
        h('small', null, report.suiteTitle),
      ),
      field('suite sha256', mono(report.suite.sha256)),
      field('model', report.model),
      field('endpoint', mono(report.endpoint)),
      field('developer', report.developer === null ? '–' : report.developer),
      field('policy', policy.id, ' version ', String(policy.version)),
      field('policy sha256', mono(policy.sha256)),
      field('started', mono(report.startedAt)),
      field('finished', mono(report.finishedAt)),
      field('elapsed', fmtMs(report.elapsedMs)),
      field('epochs', `${report.epochs}, reduced with ${report.reducer}`),
      field('intervals', `${report.ci.method}, ${fmt(report.ci.confidence * 100, 1)}%`),
      field(
        'units',
        figure('span', 'samples.scored', report.samples.scored, String(report.samples.scored)),
        ' scored, ',
        figure('span', 'samples.errors', report.samples.errors, String(report.samples.errors)),
        ' errors',
        report.samples.invalid === undefined
          ? ''
          : ` (${report.samples.invalid} invalid: the sandbox failed)`,
        ' of ',
        figure('span', 'samples.total', report.samples.total, String(report.samples.total)),
      ),
      field('harness', mono(report.harnessVersion)),
    ];
    if (report.sandbox !== undefined && report.sandbox.images.length > 0) {
      fields.push(
        field(
          'images',
          h(
            'ul',
            { class: 'plain' },
            report.sandbox.images.map((image) =>
              h(
                'li',
                null,
                mono(image.ref),
                ' ',
                mono(image.id),
                image.repoDigests.map((digest) => [h('br'), mono(digest)]),
              ),
            ),
          ),
          report.sandbox.runtime ? ['runtime ', mono(report.sandbox.runtime)] : null,
        ),
      );
    }
    return h('div', { class: 'card' }, h('h2', null, 'Run'), h('dl', { class: 'fields' }, fields));
  }

  function renderDesignation(report) {
    const d = report.designation;
    const decision = h('span', { class: `decision decision-${d.decision}` }, d.decision);
    decision.setAttribute('data-figure', 'designation.decision');
    decision.setAttribute('data-value', d.decision);
    const reasons = h(
      'ol',
      { class: 'reasons' },
      d.reasons.map((reason) => h('li', null, reason)),
    );
    return h(
      'div',
      { class: 'card' },
      h('h2', null, 'Designation ', decision),
      h(
        'p',
        { class: 'rule' },
        'Metric ',
        figure('b', 'designation.metric', d.metric, d.metric),
        ', basis ',
        figure('b', 'designation.basis', d.basis, d.basis),
        ', cutoff ',
        figure('b', 'designation.cutoff', d.cutoff),
        ', confidence ',
        figure('b', 'designation.confidence', d.confidence),
        ', rule ',
        figure('b', 'designation.rule', d.rule, d.rule),
        ', error rate ',
        figure('b', 'designation.errorRate', d.errorRate),
        ' (max ',
        figure('b', 'designation.maxErrorRate', d.maxErrorRate),
        '). Estimate decided on: ',
        figure('b', 'designation.estimate', d.estimate),
        ' [',
        figure('b', 'designation.interval.0', d.interval === null ? null : d.interval[0]),
        ', ',
        figure('b', 'designation.interval.1', d.interval === null ? null : d.interval[1]),
        '].',
      ),
      renderDesignationChart(report),
      h('h3', null, 'Why (the rule that decided)'),
      reasons,
    );
  }

  /** Per category and overall, the mean and its interval against the cutoff: hand-drawn SVG, no library. */
  function renderDesignationChart(report) {
    const d = report.designation;
    const rows = [];
    const names = Object.keys(report.categories);
    for (const name of names) {
      const c = report.categories[name];
      const policyCategory = d.categories === undefined ? undefined : d.categories[name];
      rows.push({
        label: name,
        note: `n ${c.n}, weight ${c.weight}`,
        mean: c.mean,
        ci: c.ci,
        cutoff: policyCategory === undefined ? null : policyCategory.cutoff,
        decision: policyCategory === undefined ? null : policyCategory.decision,
      });
    }
    rows.push({ separator: true });
    rows.push({
      label: 'overall (mean)',
      note: `n ${report.overall.n}`,
      mean: report.overall.mean,
      ci: report.overall.ci,
      strong: d.metric === 'mean',
    });
    rows.push({
      label: 'overall (weighted)',
      note: 'mean of category means',
      mean: report.overall.weighted.mean,
      ci: report.overall.weighted.ci,
      strong: d.metric === 'weighted',
    });
    rows.push({
      label: `decided on: ${d.metric}`,
      note: `${fmt(d.confidence * 100, 1)}% interval, ${d.basis}`,
      mean: d.estimate,
      ci: d.interval,
      decision: d.decision,
      strong: true,
    });

    const width = 760;
    const labelWidth = 230;
    const right = width - 90;
    const rowHeight = 26;
    const top = 36;
    const height = top + rows.length * rowHeight + 34;
    const x = (value) => labelWidth + value * (right - labelWidth);
    const svg = s('svg', {
      class: 'chart',
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': 'Category and overall means with their intervals against the cutoff',
    });
    svg.appendChild(s('title', null, 'Means and intervals against the cutoff'));
    for (let tick = 0; tick <= 10; tick++) {
      const tx = x(tick / 10);
      svg.appendChild(s('line', { x1: tx, y1: top - 6, x2: tx, y2: height - 30, class: 'grid' }));
      svg.appendChild(
        s('text', { x: tx, y: height - 14, class: 'tick', 'text-anchor': 'middle' }, (tick / 10).toFixed(1)),
      );
    }
    rows.forEach((row, index) => {
      const y = top + index * rowHeight + rowHeight / 2;
      if (row.separator) {
        svg.appendChild(s('line', { x1: 8, y1: y, x2: right, y2: y, class: 'separator' }));
        return;
      }
      const label = s(
        'text',
        { x: 8, y: y + 4, class: row.strong ? 'label strong' : 'label' },
        clip(row.label, 30),
      );
      label.appendChild(s('title', null, `${row.label} (${row.note})`));
      svg.appendChild(label);
      if (row.cutoff !== null && row.cutoff !== undefined) {
        svg.appendChild(
          s('line', { x1: x(row.cutoff), y1: y - 9, x2: x(row.cutoff), y2: y + 9, class: 'category-cutoff' }),
        );
      }
      const colour = row.decision ? DECISION_COLOURS[row.decision] : '#333333';
      if (Array.isArray(row.ci)) {
        svg.appendChild(
          s('line', { x1: x(row.ci[0]), y1: y, x2: x(row.ci[1]), y2: y, stroke: colour, class: 'interval' }),
        );
        for (const end of row.ci) {
          svg.appendChild(
            s('line', { x1: x(end), y1: y - 5, x2: x(end), y2: y + 5, stroke: colour, class: 'interval' }),
          );
        }
      }
      if (typeof row.mean === 'number') {
        svg.appendChild(s('circle', { cx: x(row.mean), cy: y, r: row.strong ? 5 : 4, fill: colour }));
      }
      svg.appendChild(s('text', { x: right + 8, y: y + 4, class: 'value' }, fmt(row.mean)));
    });
    const cx = x(d.cutoff);
    svg.appendChild(s('line', { x1: cx, y1: top - 10, x2: cx, y2: height - 30, class: 'cutoff' }));
    svg.appendChild(
      s(
        'text',
        { x: cx, y: top - 14, class: 'cutoff-label', 'text-anchor': 'middle' },
        `cutoff ${fmt(d.cutoff, 2)}`,
      ),
    );
    return h('figure', { class: 'chart-figure' }, svg, h('figcaption', null, chartCaption(report)));
  }

  function chartCaption(report) {
    return (
      `Dots: means; bars: ${fmt(report.ci.confidence * 100, 1)}% intervals (${report.ci.method}); dashed line: the ` +
      `policy cutoff; short red marks: category cutoffs of the policy. The last row is what the policy decided on, ` +
      `at its own confidence.`
    );
  }

  function clip(text, length) {
    return text.length > length ? `${text.slice(0, length - 1)}…` : text;
  }

  function renderFigures(report) {
    const head = h(
      'tr',
      null,
      ['', 'n', 'weight', 'mean', 'stderr', 'CI low', 'CI high'].map((label) => h('th', null, label)),
    );
    const body = h('tbody');
    Object.keys(report.categories).forEach((name, index) => {
      const c = report.categories[name];
      const key = `category.${index}`;
      body.appendChild(
        h(
          'tr',
          { 'data-category-index': index },
          h('th', { scope: 'row' }, name),
          figure('td', `${key}.n`, c.n, String(c.n)),
          figure('td', `${key}.weight`, c.weight, String(c.weight)),
          figure('td', `${key}.mean`, c.mean),
          figure('td', `${key}.stderr`, c.stderr),
          figure('td', `${key}.ci.0`, c.ci === null ? null : c.ci[0]),
          figure('td', `${key}.ci.1`, c.ci === null ? null : c.ci[1]),
        ),
      );
    });
    const o = report.overall;
    body.appendChild(
      h(
        'tr',
        { class: 'total' },
        h('th', { scope: 'row' }, 'overall (mean)'),
        figure('td', 'overall.n', o.n, String(o.n)),
        h('td', null, ''),
        figure('td', 'overall.mean', o.mean),
        figure('td', 'overall.stderr', o.stderr),
        figure('td', 'overall.ci.0', o.ci === null ? null : o.ci[0]),
        figure('td', 'overall.ci.1', o.ci === null ? null : o.ci[1]),
      ),
    );
    body.appendChild(
      h(
        'tr',
        { class: 'total' },
        h('th', { scope: 'row' }, 'overall (weighted)'),
        h('td', null, ''),
        h('td', null, ''),
        figure('td', 'overall.weighted.mean', o.weighted.mean),
        figure('td', 'overall.weighted.stderr', o.weighted.stderr),
        figure('td', 'overall.weighted.ci.0', o.weighted.ci === null ? null : o.weighted.ci[0]),
        figure('td', 'overall.weighted.ci.1', o.weighted.ci === null ? null : o.weighted.ci[1]),
      ),
    );
    return h(
      'div',
      { class: 'card' },
      h('h2', null, 'Scores'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'figures' }, h('thead', null, head), body)),
    );
  }

  // ---------------------------------------------------------------- the sample browser

  function renderBrowser(rs) {
    const category = h('select', { 'data-filter': 'category', 'aria-label': 'category' });
    const score = h(
      'select',
      { 'data-filter': 'score', 'aria-label': 'score' },
      option('', 'any score'),
      option('correct', 'score 1'),
      option('wrong', 'score 0'),
      option('partial', 'between 0 and 1'),
      option('none', 'no score (errored)'),
    );
    const error = h('select', { 'data-filter': 'error', 'aria-label': 'errors' });
    const text = h('input', {
      type: 'search',
      'data-filter': 'text',
      placeholder: 'search ids, answers, errors',
      'aria-label': 'search',
      spellcheck: 'false',
    });
    const sort = h(
      'select',
      { 'data-filter': 'sort', 'aria-label': 'sort' },
      option('id', 'sample id'),
      option('id-desc', 'sample id, descending'),
      option('score-asc', 'score, lowest first'),
      option('score-desc', 'score, highest first'),
      option('category', 'category'),
      option('errors', 'errors first'),
    );
    const count = h('p', { class: 'count', 'data-role': 'count', 'aria-live': 'polite' }, 'Loading samples…');
    const header = h(
      'div',
      { class: 'vrow vhead', role: 'row' },
      ['sample', 'category', 'epochs', 'score', 'answer', 'errors', 'valid'].map((label) =>
        h('span', null, label),
      ),
    );
    const detail = h('div', { class: 'detail', 'data-role': 'detail', hidden: true });
    const list = createVirtualList(
      (row) => renderRow(row),
      (row) => openSample(rs, row, detail),
    );

    let textTimer = 0;
    category.addEventListener('change', () => {
      rs.filters.category = category.value === '' ? '' : rs.categoryList[Number(category.value)];
      refreshBrowser(rs);
    });
    score.addEventListener('change', () => {
      rs.filters.score = score.value;
      refreshBrowser(rs);
    });
    error.addEventListener('change', () => {
      rs.filters.error = error.value;
      refreshBrowser(rs);
    });
    sort.addEventListener('change', () => {
      rs.filters.sort = sort.value;
      refreshBrowser(rs);
    });
    text.addEventListener('input', () => {
      clearTimeout(textTimer);
      textTimer = setTimeout(() => {
        rs.filters.text = text.value.trim().toLowerCase();
        refreshBrowser(rs);
      }, 120);
    });
    rs.browser = { category, error, count, list, detail };
    return h(
      'div',
      { class: 'card browser' },
      h('h2', null, 'Samples'),
      h(
        'div',
        { class: 'controls' },
        h('label', null, 'Category ', category),
        h('label', null, 'Score ', score),
        h('label', null, 'Errors ', error),
        h('label', { class: 'grow' }, 'Text ', text),
        h('label', null, 'Sort ', sort),
      ),
      count,
      h('div', { class: 'vtable' }, header, list.element),
      detail,
    );
  }

  function option(value, label) {
    const element = h('option', null, label);
    element.value = value;
    return element;
  }

  function syncFilterOptions(rs) {
    const browser = rs.browser;
    if (rs.categoriesChanged) {
      rs.categoriesChanged = false;
      const chosen = browser.category.value;
      browser.category.replaceChildren(
        option('', 'every category'),
        ...rs.categoryList.map((name, index) => option(String(index), name)),
      );
      browser.category.value = chosen;
    }
    if (rs.errorCodesChanged) {
      rs.errorCodesChanged = false;
      const chosen = browser.error.value;
      browser.error.replaceChildren(
        option('', 'any'),
        option('any', 'with an error'),
        option('none', 'without errors'),
        option('invalid', 'invalid (sandbox failed)'),
        ...rs.errorCodes.map((code) => option(`code:${code}`, code)),
      );
      browser.error.value = chosen;
    }
  }

  function haystackOf(row) {
    if (row.haystack === null) {
      const parts = [row.id, row.category];
      for (const cell of row.epochs) {
        if (cell[3] !== null) parts.push(cell[3]);
        if (cell[4] !== null) parts.push(cell[4]);
        if (cell[5] !== null) parts.push(cell[5]);
      }
      row.haystack = parts.join('\n').toLowerCase();
    }
    return row.haystack;
  }

  function matches(row, filters) {
    if (filters.category !== '' && row.category !== filters.category) return false;
    switch (filters.score) {
      case 'correct':
        if (row.reduced !== 1) return false;
        break;
      case 'wrong':
        if (row.reduced !== 0) return false;
        break;
      case 'partial':
        if (!(row.reduced !== null && row.reduced > 0 && row.reduced < 1)) return false;
        break;
      case 'none':
        if (row.reduced !== null) return false;
        break;
      default:
        break;
    }
    if (filters.error === 'any' && !row.hasError) return false;
    if (filters.error === 'none' && row.hasError) return false;
    if (filters.error === 'invalid' && !row.isInvalid) return false;
    if (filters.error.startsWith('code:') && !row.errorCodes.includes(filters.error.slice(5))) return false;
    if (filters.text !== '' && !haystackOf(row).includes(filters.text)) return false;
    return true;
  }

  const SORTS = {
    id: (a, b) => a.seq - b.seq,
    'id-desc': (a, b) => b.seq - a.seq,
    'score-asc': (a, b) => scoreKey(a, 2) - scoreKey(b, 2) || a.seq - b.seq,
    'score-desc': (a, b) => scoreKey(b, -1) - scoreKey(a, -1) || a.seq - b.seq,
    category: (a, b) => (a.category < b.category ? -1 : a.category > b.category ? 1 : a.seq - b.seq),
    errors: (a, b) => Number(b.hasError) - Number(a.hasError) || a.seq - b.seq,
  };

  function scoreKey(row, missing) {
    return row.reduced === null ? missing : row.reduced;
  }

  function refreshBrowser(rs) {
    if (rs.browser === null) return;
    syncFilterOptions(rs);
    const shown = rs.rows.filter((row) => matches(row, rs.filters));
    if (rs.filters.sort !== 'id') shown.sort(SORTS[rs.filters.sort]);
    rs.browser.list.setItems(shown);
    const total = rs.run.samples;
    const loaded = rs.rows.length;
    rs.browser.count.dataset.shown = String(shown.length);
    rs.browser.count.dataset.loaded = String(loaded);
    rs.browser.count.dataset.total = String(total);
    rs.browser.count.textContent =
      `Showing ${shown.length.toLocaleString('en')} of ${loaded.toLocaleString('en')} samples` +
      (loaded < total ? ` (loading: ${loaded.toLocaleString('en')} of ${total.toLocaleString('en')})` : '');
  }

  function epochsText(row) {
    return row.epochs.map((cell) => (cell[1] === 'error' ? '×' : fmtScore(cell[2]))).join(' ');
  }

  function fmtScore(value) {
    if (value === null) return '–';
    return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(3)));
  }

  function answersOf(row) {
    const answers = [];
    for (const cell of row.epochs) if (cell[3] !== null && !answers.includes(cell[3])) answers.push(cell[3]);
    return answers.join(' | ');
  }

  function renderRow(row) {
    const scoreClass =
      row.reduced === null ? 'none' : row.reduced === 1 ? 'good' : row.reduced === 0 ? 'bad' : 'mid';
    return h(
      'div',
      { class: 'vrow', role: 'row', tabindex: '0' },
      h('span', { class: 'mono' }, row.id),
      h('span', null, row.category),
      h('span', { class: 'mono' }, epochsText(row)),
      h('span', { class: `score score-${scoreClass}` }, row.reduced === null ? '–' : fmt(row.reduced)),
      h('span', { class: 'mono' }, answersOf(row)),
      h('span', { class: 'mono' }, row.errorCodes.join(' ')),
      h('span', { class: row.isInvalid ? 'invalid' : 'valid' }, row.isInvalid ? 'invalid' : 'valid'),
    );
  }

  /** A scrolling list that renders only the rows in view (plus a margin): 100,000 rows cost what 40 do. */
  function createVirtualList(render, onOpen) {
    const viewport = h('div', { class: 'vlist', role: 'rowgroup' });
    const spacer = h('div', { class: 'vspacer' });
    viewport.appendChild(spacer);
    let items = [];
    let drawn = new Map();
    let queued = false;

    function setItems(next) {
      items = next;
      spacer.style.height = `${items.length * ROW_HEIGHT}px`;
      for (const element of drawn.values()) element.remove();
      drawn = new Map();
      draw();
    }
    function draw() {
      const height = viewport.clientHeight || 600;
      const first = Math.max(0, Math.floor(viewport.scrollTop / ROW_HEIGHT) - OVERSCAN);
      const last = Math.min(items.length, Math.ceil((viewport.scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
      for (const [index, element] of drawn) {
        if (index < first || index >= last) {
          element.remove();
          drawn.delete(index);
        }
      }
      for (let index = first; index < last; index++) {
        if (drawn.has(index)) continue;
        const element = render(items[index]);
        element.dataset.pos = String(index);
        element.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
        spacer.appendChild(element);
        drawn.set(index, element);
      }
    }
    function itemOf(event) {
      const row = event.target instanceof Element ? event.target.closest('.vrow') : null;
      if (row === null || row.dataset.pos === undefined) return undefined;
      return items[Number(row.dataset.pos)];
    }
    viewport.addEventListener('scroll', () => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        draw();
      });
    });
    viewport.addEventListener('click', (event) => {
      const item = itemOf(event);
      if (item !== undefined) onOpen(item);
    });
    viewport.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' && event.key !== ' ') return;
      const item = itemOf(event);
      if (item === undefined) return;
      event.preventDefault();
      onOpen(item);
    });
    return { element: viewport, setItems, refresh: draw, size: () => items.length };
  }

  // ---------------------------------------------------------------- one sample

  function openSample(rs, row, container) {
    container.hidden = false;
    const close = h('button', { type: 'button', class: 'close', 'aria-label': 'close' }, 'close');
    close.addEventListener('click', () => {
      container.hidden = true;
      container.replaceChildren();
    });
    container.replaceChildren(
      h(
        'div',
        { class: 'detail-head' },
        h('h3', null, 'Sample ', h('span', { class: 'mono' }, row.id)),
        close,
      ),
      renderSampleColumn(rs, row),
    );
    container.scrollIntoView({ block: 'nearest' });
  }

  /** A sample's epochs side by side, its outputs (loaded now) and its transcripts (loaded now). */
  function renderSampleColumn(rs, row) {
    const column = h('div', { class: 'sample', 'data-sample-run': rs.index });
    const headCells = [h('th', null, '')];
    for (const cell of row.epochs) headCells.push(h('th', null, `epoch ${cell[0]}`));
    const line = (label, make) =>
      h(
        'tr',
        null,
        h('th', { scope: 'row' }, label),
        row.epochs.map((cell) => h('td', null, make(cell))),
      );
    const outputCells = row.epochs.map(() =>
      h('td', { class: 'output' }, h('span', { class: 'muted' }, 'loading…')),
    );
    const table = h(
      'table',
      { class: 'epochs' },
      h('thead', null, h('tr', null, headCells)),
      h(
        'tbody',
        null,
        line('score', (cell) =>
          h('span', { 'data-epoch-score': cell[0] }, cell[1] === 'error' ? '–' : fmtScore(cell[2])),
        ),
        line('status', (cell) => cell[1]),
        line('answer', (cell) => h('pre', null, cell[3] === null ? '–' : cell[3])),
        line('error', (cell) =>
          cell[4] === null ? '–' : [h('b', null, cell[4]), ' ', cell[5] === null ? '' : cell[5]],
        ),
        line('valid', (cell) =>
          view.meta.invalidCodes.includes(cell[4])
            ? h('span', { class: 'invalid' }, 'invalid (sandbox failed)')
            : 'valid',
        ),
        line('latency', (cell) => fmtMs(cell[6])),
        line('attempts', (cell) => String(cell[7])),
        h('tr', null, h('th', { scope: 'row' }, 'output'), outputCells),
      ),
    );
    column.append(
      h(
        'p',
        { class: 'sample-summary' },
        'Run ',
        h('span', { class: 'mono' }, rs.run.runId),
        ', category ',
        h('b', null, row.category),
        ', reduced score (',
        rs.report.reducer,
        ') ',
        h('b', { 'data-role': 'reduced' }, row.reduced === null ? '–' : fmt(row.reduced)),
      ),
      h('div', { class: 'table-wrap' }, table),
    );
    loadOnce(rs.outputLoads, row.chunk, dataFile(rs.index, 'o', row.chunk))
      .then(() => {
        const outputs = rs.outputs.get(row.chunk)[row.offset];
        outputCells.forEach((cell, index) => {
          const text = outputs[index];
          cell.replaceChildren(
            text === null || text === undefined ? h('span', { class: 'muted' }, '–') : h('pre', null, text),
          );
        });
      })
      .catch((error) => outputCells.forEach((cell) => cell.replaceChildren(error.message)));

    if (row.transcriptChunk >= 0) {
      const holder = h(
        'div',
        { class: 'transcripts' },
        h('p', { class: 'muted' }, 'Loading the transcript…'),
      );
      column.appendChild(holder);
      loadOnce(rs.transcriptLoads, row.transcriptChunk, dataFile(rs.index, 't', row.transcriptChunk))
        .then(() => {
          const epochs = rs.transcripts.get(row.id) || [];
          holder.replaceChildren(...epochs.map(([epoch, transcript]) => renderTranscript(epoch, transcript)));
        })
        .catch((error) => holder.replaceChildren(error.message));
    }
    return column;
  }

  // ---------------------------------------------------------------- transcripts

  /** An agent episode as a conversation: each turn's model call, what it said and called, and each tool result. */
  function renderTranscript(epoch, t) {
    const events = Array.isArray(t.events) ? t.events : [];
    const messages = Array.isArray(t.messages) ? t.messages : [];
    const modelEvents = events.filter((e) => e.kind === 'model');
    const toolEvents = events.filter((e) => e.kind === 'tool');
    const first = events.length > 0 ? events[0].startedAtMs : null;
    const last = events.length > 0 ? events[events.length - 1] : null;
    const totalMs = last === null ? null : last.startedAtMs + last.durationMs - first;
    const stop = STOP_REASONS[t.stopReason] || String(t.stopReason);
    const section = h(
      'section',
      { class: 'transcript', 'data-transcript-epoch': epoch },
      h('h4', null, `Transcript, epoch ${epoch}`),
      h(
        'p',
        { class: 'stop' },
        h(
          'span',
          {
            class: `stop-reason stop-${t.stopReason === 'submitted' ? 'ok' : 'limit'}`,
            'data-role': 'stop-reason',
          },
          stop,
        ),
        ` after ${t.turns} turn${t.turns === 1 ? '' : 's'}`,
        totalMs === null ? '' : `, ${fmtMs(totalMs)}`,
        '; answer ',
        t.answer === null ? '–' : h('code', null, t.answer),
        t.error ? [' ; error ', h('b', null, t.error.code), ' ', t.error.message] : '',
      ),
    );
    const conversation = h('ol', { class: 'conversation' });
    let turn = 0;
    let toolIndex = 0;
    const modelCallsOf = (n) => modelEvents.filter((e) => e.turn === n);
    for (const message of messages) {
      if (message.role === 'assistant') {
        turn++;
        for (const e of modelCallsOf(turn)) conversation.appendChild(renderModelEvent(e, first));
      }
      const toolEvent = message.role === 'tool' ? toolEvents[toolIndex++] : undefined;
      conversation.appendChild(renderMessage(message, toolEvent, first));
    }
    // A last turn whose model call failed has events but no assistant message.
    for (let n = turn + 1; n <= Math.max(turn, ...modelEvents.map((e) => e.turn)); n++) {
      for (const e of modelCallsOf(n)) conversation.appendChild(renderModelEvent(e, first));
    }
    section.appendChild(conversation);
    return section;
  }

  function at(event, first) {
    return first === null ? '' : `+${fmtMs(event.startedAtMs - first)}`;
  }

  function renderModelEvent(e, first) {
    const usage = e.usage ? `, ${e.usage.promptTokens} + ${e.usage.completionTokens} tokens` : '';
    return h(
      'li',
      { class: 'event model-call' },
      `model call, turn ${e.turn}: ${fmtMs(e.durationMs)}${usage} (${at(e, first)})`,
      e.error ? [' — ', h('b', null, e.error.code), ' ', e.error.message] : '',
    );
  }

  function textOf(content) {
    if (content === null || content === undefined) return '';
    return typeof content === 'string' ? content : JSON.stringify(content, null, 2);
  }

  function renderMessage(message, toolEvent, first) {
    const role = String(message.role);
    const item = h('li', {
      class: `message role-${['system', 'user', 'assistant', 'tool'].includes(role) ? role : 'other'}`,
    });
    if (role === 'tool') {
      const name = toolEvent && toolEvent.name !== undefined ? toolEvent.name : 'tool';
      const badges = [];
      if (toolEvent) {
        if (toolEvent.exitCode !== undefined)
          badges.push(
            h('span', { class: 'badge' }, `exit ${toolEvent.exitCode === null ? '–' : toolEvent.exitCode}`),
          );
        if (toolEvent.timedOut) badges.push(h('span', { class: 'badge warn' }, 'timed out'));
        if (toolEvent.truncated)
          badges.push(h('span', { class: 'badge warn', 'data-role': 'truncated' }, 'output truncated'));
        badges.push(
          h('span', { class: 'badge' }, `${fmtMs(toolEvent.durationMs)} (${at(toolEvent, first)})`),
        );
      }
      item.append(
        h('div', { class: 'who' }, 'tool result: ', h('b', null, name), ' ', badges),
        h('pre', null, textOf(message.content)),
      );
      return item;
    }
    item.appendChild(h('div', { class: 'who' }, role));
    const text = textOf(message.content);
    if (text !== '') item.appendChild(h('pre', null, text));
    if (Array.isArray(message.tool_calls)) {
      for (const call of message.tool_calls) {
        const fn = call && call.function ? call.function : {};
        item.appendChild(
          h(
            'div',
            { class: 'tool-call' },
            'calls ',
            h('b', null, String(fn.name)),
            h('pre', null, textOf(fn.arguments)),
          ),
        );
      }
    }
    return item;
  }

  // ---------------------------------------------------------------- comparisons

  const comparisonLists = [];

  function renderComparisonPanel(entry, index) {
    const a = view.runs[entry.a];
    const b = view.runs[entry.b];
    const panel = h('section', { class: 'comparison', 'data-comparison': index });
    panel.appendChild(
      h(
        'div',
        { class: 'card' },
        h('h2', null, 'Comparison'),
        h(
          'dl',
          { class: 'fields' },
          field('A (baseline)', mono(a.run.runId), ' model ', a.report.model),
          field('B', mono(b.run.runId), ' model ', b.report.model),
          field(
            'suite',
            a.report.suite.id,
            ' ',
            mono(a.report.suite.version),
            b.report.suite.version === a.report.suite.version ? '' : [' / ', mono(b.report.suite.version)],
          ),
          field(
            'epochs',
            `A ${a.report.epochs} (${a.report.reducer}), B ${b.report.epochs} (${b.report.reducer})`,
          ),
        ),
      ),
    );
    if (entry.error !== undefined) {
      panel.appendChild(
        h('p', { class: 'problem', 'data-role': 'not-compared' }, `Not compared: ${entry.error.message}`),
      );
      return panel;
    }
    const c = entry.comparison;
    if (c.warnings.length > 0) {
      panel.appendChild(
        h(
          'ul',
          { class: 'warnings' },
          c.warnings.map((warning) => h('li', null, `warning: ${warning}`)),
        ),
      );
    }
    const level = `${fmt(c.interval.confidence * 100, 1)}% CI`;
    const head = h(
      'tr',
      null,
      ['', 'weight', 'n', 'A mean', 'B mean', 'B − A', `${level} low`, `${level} high`].map((label) =>
        h('th', null, label),
      ),
    );
    const body = h('tbody');
    const row = (label, key, d, weight) =>
      h(
        'tr',
        key === 'compare.overall' ? { class: 'total' } : null,
        h('th', { scope: 'row' }, label),
        weight === undefined ? h('td', null, '') : figure('td', `${key}.weight`, weight, String(weight)),
        figure('td', `${key}.n`, d.n, String(d.n)),
        figure('td', `${key}.meanA`, d.meanA),
        figure('td', `${key}.meanB`, d.meanB),
        figure('td', `${key}.difference`, d.difference, fmtSigned(d.difference)),
        figure(
          'td',
          `${key}.ci.0`,
          d.ci === null ? null : d.ci[0],
          fmtSigned(d.ci === null ? null : d.ci[0]),
        ),
        figure(
          'td',
          `${key}.ci.1`,
          d.ci === null ? null : d.ci[1],
          fmtSigned(d.ci === null ? null : d.ci[1]),
        ),
      );
    Object.keys(c.categories).forEach((name, i) => {
      const tr = row(name, `compare.category.${i}`, c.categories[name], c.categories[name].weight);
      tr.setAttribute('data-category-index', String(i));
      body.appendChild(tr);
    });
    body.appendChild(row('overall (weighted)', 'compare.overall', c.overall));
    const counts = c.samples;
    const detail = h('div', { class: 'detail', 'data-role': 'detail', hidden: true });
    const list = createVirtualList(
      (changed) =>
        h(
          'div',
          { class: 'vrow changed', role: 'row', tabindex: '0' },
          h('span', { class: 'mono' }, changed.sampleId),
          h('span', null, changed.category),
          h('span', { class: 'mono' }, fmtScore(changed.a)),
          h('span', { class: 'mono' }, fmtScore(changed.b)),
          h(
            'span',
            { class: changed.b > changed.a ? 'score score-good' : 'score score-bad' },
            changed.b > changed.a ? 'improved' : 'worsened',
          ),
        ),
      (changed) => openPair(a, b, changed, detail),
    );
    list.setItems(c.changed);
    comparisonLists.push(list);
    panel.append(
      h(
        'div',
        { class: 'card' },
        h('h2', null, 'Difference B − A (paired)'),
        h('div', { class: 'table-wrap' }, h('table', { class: 'figures' }, h('thead', null, head), body)),
        renderDifferenceChart(c),
        h(
          'p',
          { class: 'muted' },
          `Intervals: paired bootstrap over the samples in both runs, stratified by category (${c.interval.resamples} resamples, seed ${c.interval.seed}).`,
        ),
      ),
      h(
        'div',
        { class: 'card' },
        h('h2', null, 'Samples that changed'),
        h(
          'p',
          { 'data-role': 'change-counts' },
          figure('b', 'compare.samples.both', counts.both, String(counts.both)),
          ' in both runs, ',
          figure('b', 'compare.samples.onlyA', counts.onlyA, String(counts.onlyA)),
          ' only in A, ',
          figure('b', 'compare.samples.onlyB', counts.onlyB, String(counts.onlyB)),
          ' only in B. Changed: ',
          figure('b', 'compare.samples.changed', counts.changed, String(counts.changed)),
          ' (',
          figure('b', 'compare.samples.improved', counts.improved, String(counts.improved)),
          ' improved, of which ',
          figure('b', 'compare.samples.fixed', counts.fixed, String(counts.fixed)),
          ' fixed 0 → 1; ',
          figure('b', 'compare.samples.worsened', counts.worsened, String(counts.worsened)),
          ' worsened, of which ',
          figure('b', 'compare.samples.broken', counts.broken, String(counts.broken)),
          ' broken 1 → 0).',
        ),
        h(
          'div',
          { class: 'vtable' },
          h(
            'div',
            { class: 'vrow vhead changed' },
            ['sample', 'category', 'A', 'B', ''].map((label) => h('span', null, label)),
          ),
          list.element,
        ),
        detail,
      ),
    );
    return panel;
  }

  /** The differences with their intervals around zero: hand-drawn SVG. */
  function renderDifferenceChart(c) {
    const rows = Object.keys(c.categories).map((name) => ({ label: name, d: c.categories[name] }));
    rows.push({ label: 'overall (weighted)', d: c.overall, strong: true });
    let extent = 0.1;
    for (const { d } of rows) {
      if (d.ci !== null) extent = Math.max(extent, Math.abs(d.ci[0]), Math.abs(d.ci[1]));
      if (d.difference !== null) extent = Math.max(extent, Math.abs(d.difference));
    }
    // Ticks on round values: every 0.05 up to ±0.2, every 0.1 up to ±0.5, every 0.2 beyond (at most 11 ticks).
    const step = extent <= 0.2 ? 0.05 : extent <= 0.5 ? 0.1 : 0.2;
    const ticks = Math.min(Math.round(1 / step), Math.ceil(extent / step - 1e-9));
    extent = ticks * step;
    const width = 760;
    const labelWidth = 230;
    const right = width - 90;
    const rowHeight = 26;
    const top = 20;
    const height = top + rows.length * rowHeight + 34;
    const x = (value) => labelWidth + ((value + extent) / (2 * extent)) * (right - labelWidth);
    const svg = s('svg', {
      class: 'chart',
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': 'Differences with paired intervals',
    });
    svg.appendChild(s('title', null, 'Differences B − A with paired intervals'));
    for (let tick = -ticks; tick <= ticks; tick++) {
      const value = tick * step;
      const label =
        tick === 0 ? '0' : `${value > 0 ? '+' : '−'}${Math.abs(value).toFixed(step < 0.1 ? 2 : 1)}`;
      svg.appendChild(s('line', { x1: x(value), y1: top - 6, x2: x(value), y2: height - 30, class: 'grid' }));
      svg.appendChild(
        s('text', { x: x(value), y: height - 14, class: 'tick', 'text-anchor': 'middle' }, label),
      );
    }
    svg.appendChild(s('line', { x1: x(0), y1: top - 10, x2: x(0), y2: height - 30, class: 'zero' }));
    rows.forEach(({ label, d, strong }, index) => {
      const y = top + index * rowHeight + rowHeight / 2;
      const text = s('text', { x: 8, y: y + 4, class: strong ? 'label strong' : 'label' }, clip(label, 30));
      text.appendChild(s('title', null, label));
      svg.appendChild(text);
      const colour =
        d.ci === null ? '#777777' : d.ci[0] > 0 ? '#009E73' : d.ci[1] < 0 ? '#D55E00' : '#333333';
      if (d.ci !== null) {
        svg.appendChild(
          s('line', { x1: x(d.ci[0]), y1: y, x2: x(d.ci[1]), y2: y, stroke: colour, class: 'interval' }),
        );
      }
      if (d.difference !== null)
        svg.appendChild(s('circle', { cx: x(d.difference), cy: y, r: strong ? 5 : 4, fill: colour }));
      svg.appendChild(s('text', { x: right + 8, y: y + 4, class: 'value' }, fmtSigned(d.difference)));
    });
    return h(
      'figure',
      { class: 'chart-figure' },
      svg,
      h(
        'figcaption',
        null,
        'Dots: B − A over the paired samples; bars: paired bootstrap intervals; the line is no change. Green: B higher, the interval excluding 0; red: B lower.',
      ),
    );
  }

  function openPair(a, b, changed, container) {
    container.hidden = false;
    const close = h('button', { type: 'button', class: 'close', 'aria-label': 'close' }, 'close');
    close.addEventListener('click', () => {
      container.hidden = true;
      container.replaceChildren();
    });
    const column = (rs, label) => {
      const row = rs.byId.get(changed.sampleId);
      return h(
        'div',
        { class: 'pair-column' },
        h('h4', null, label),
        row === undefined
          ? h('p', { class: 'muted' }, 'not loaded yet, or not in this run')
          : renderSampleColumn(rs, row),
      );
    };
    container.replaceChildren(
      h(
        'div',
        { class: 'detail-head' },
        h('h3', null, 'Sample ', h('span', { class: 'mono' }, changed.sampleId)),
        close,
      ),
      h('div', { class: 'pair' }, column(a, 'A'), column(b, 'B')),
    );
    container.scrollIntoView({ block: 'nearest' });
  }
})();
