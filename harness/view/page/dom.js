/*
 * The Redline view (written by `redline view`, harness/view/write-view.ts): classic scripts loaded in order by
 * index.html (see there), sharing their functions through one object, `window.__redlinePage`, which this first
 * script defines; data files register themselves through `window.__redline` (data-registry.js).
 *
 * Every string from a model, a suite or a transcript is hostile: it reaches the page only as text
 * (textContent, createTextNode), never as markup, never in a URL. There is no innerHTML in any page script (a test
 * checks it); attributes are set from the page's own constants and numbers. Figures are shown as the report computed
 * them: the page computes no statistic.
 *
 * Data shapes: harness/view/view-data.ts. This file: the DOM helpers (text only, never markup) and number formats.
 */
(function (page) {
  'use strict';

  // The page's shared functions, filled in by each script in the order index.html loads them.
  Object.defineProperty(window, '__redlinePage', { value: page, writable: false, configurable: false });

  const SVG_NS = 'http://www.w3.org/2000/svg';

  // ---------------------------------------------------------------- DOM helpers (text only, never markup)

  /** An HTML element; `attrs` come from the page scripts only, `children` are nodes or strings (made text nodes). */
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

  function showProblem(message) {
    const banner = h('p', { class: 'problem', role: 'alert' }, message);
    const app = document.getElementById('app');
    app.insertBefore(banner, app.firstChild);
  }

  function field(label, ...value) {
    return h('div', { class: 'field' }, h('dt', null, label), h('dd', null, ...value));
  }

  function mono(text) {
    return h('span', { class: 'mono' }, text === null || text === undefined ? '–' : String(text));
  }

  function clip(text, length) {
    return text.length > length ? `${text.slice(0, length - 1)}…` : text;
  }

  function fmtScore(value) {
    if (value === null) return '–';
    return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(3)));
  }

  Object.assign(page, { h, s, fmt, fmtSigned, figure, fmtMs, showProblem, field, mono, clip, fmtScore });
})({});
