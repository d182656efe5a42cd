/*
 * One run's panel: its header, its designation (with the chart), its scores and its samples.
 */
(function (page) {
  'use strict';

  const { h, fmt, figure, fmtMs, field, mono, renderDesignationChart, renderBrowser } = page;

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

  Object.assign(page, { renderRunPanel });
})(window.__redlinePage);
