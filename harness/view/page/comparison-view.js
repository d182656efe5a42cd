/*
 * A comparison's panel: the paired differences (table and chart) and the samples that changed.
 */
(function (page) {
  'use strict';

  const {
    h,
    fmt,
    fmtSigned,
    figure,
    field,
    mono,
    fmtScore,
    createVirtualList,
    renderDifferenceChart,
    renderSampleColumn,
    view,
  } = page;

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

  Object.assign(page, { comparisonLists, renderComparisonPanel });
})(window.__redlinePage);
