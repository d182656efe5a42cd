/*
 * An agent episode's transcript, shown as a conversation.
 */
(function (page) {
  'use strict';

  const { h, fmtMs } = page;

  const STOP_REASONS = {
    submitted: 'submitted an answer',
    max_turns: 'turn limit reached',
    time_limit: 'time limit reached',
    token_limit: 'token limit reached',
    model_error: 'the model call failed',
  };

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

  Object.assign(page, { renderTranscript });
})(window.__redlinePage);
