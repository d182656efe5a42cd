/*
 * The page once meta.js has loaded: a tab per run and per comparison.
 */
(function (page) {
  'use strict';

  const { h, view, renderRunPanel, renderComparisonPanel, comparisonLists } = page;

  /** The classification markings of the runs' suites, shown above and below everything else. */
  function showClassification() {
    const labels = [];
    for (const rs of view.runs) {
      const label = rs.run.report.classification;
      if (typeof label === 'string' && !labels.includes(label)) labels.push(label);
    }
    if (labels.length === 0) return;
    for (const id of ['classification-top', 'classification-bottom']) {
      const element = document.getElementById(id);
      element.textContent = labels.join(' / ');
      element.hidden = false;
    }
  }

  function renderApp() {
    showClassification();
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

  Object.assign(page, { renderApp });
})(window.__redlinePage);
