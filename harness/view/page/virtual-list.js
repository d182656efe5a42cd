/*
 * The view's virtualised list: only the rows in view are in the DOM.
 */
(function (page) {
  'use strict';

  const { h } = page;

  const ROW_HEIGHT = 30;
  const OVERSCAN = 12;

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

  Object.assign(page, { createVirtualList });
})(window.__redlinePage);
