/*
 * The view's charts, hand-drawn SVG: a run's means against the cutoff, a comparison's differences.
 */
(function (page) {
  'use strict';

  const { h, s, fmt, fmtSigned, clip } = page;

  const DECISION_COLOURS = { covered: '#D55E00', 'not-covered': '#0072B2', inconclusive: '#E69F00' };

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

  Object.assign(page, { renderDesignationChart, renderDifferenceChart });
})(window.__redlinePage);
