/*
 * One sample: its epochs side by side, its outputs and its transcripts (loaded when opened).
 */
(function (page) {
  'use strict';

  const { h, fmt, fmtMs, fmtScore, view, dataFile, loadOnce, renderTranscript } = page;

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

  Object.assign(page, { openSample, renderSampleColumn });
})(window.__redlinePage);
