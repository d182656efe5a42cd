/*
 * A run's sample browser: filters, sorting and the virtualised list of samples.
 */
(function (page) {
  'use strict';

  const { h, fmt, fmtScore, createVirtualList, openSample } = page;

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

  Object.assign(page, { renderBrowser, refreshBrowser });
})(window.__redlinePage);
