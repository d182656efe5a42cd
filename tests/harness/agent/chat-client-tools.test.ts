import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createChatClient, type ChatClient } from '../../../harness/endpoints/openai-compatible.js';
import type { AgentMessage } from '../../../src/agent/agent-message.js';
import { toolDefinitions } from '../../../src/agent/tools.js';

const servers: Server[] = [];
const clients: ChatClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(
    servers.splice(0).map((server) => {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      return closed;
    }),
  );
});

/** A loopback server answering every request with `reply`; resolves with its URL and the request bodies. */
async function serve(reply: unknown): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      bodies.push(JSON.parse(body));
      const text = JSON.stringify(reply);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, bodies };
}

function connect(url: string): ChatClient {
  const client = createChatClient({ baseUrl: url, model: 'agent-model', timeoutMs: 5000, maxSockets: 2 });
  clients.push(client);
  return client;
}

const CONVERSATION: AgentMessage[] = [
  { role: 'system', content: 'Use the tools.' },
  { role: 'user', content: 'Find the flag.' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'bash', arguments: '{"cmd":"ls"}' } }],
  },
  { role: 'tool', tool_call_id: 'call_1', content: 'exit code: 0\nstdout:\nflag.txt\n' },
];

describe('createChatClient with tools', () => {
  it('sends tools, tool_choice and tool messages, and returns the tool calls with content ""', async () => {
    const srv = await serve({
      id: 'x',
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_2',
                type: 'function',
                function: { name: 'bash', arguments: '{"cmd":"cat flag.txt"}' },
              },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 40, completion_tokens: 9, total_tokens: 49 },
    });
    const tools = toolDefinitions(['bash', 'submit']);
    const result = await connect(srv.url).complete({
      messages: CONVERSATION,
      tools,
      tool_choice: 'auto',
      max_tokens: 256,
    });
    expect(result).toMatchObject({
      ok: true,
      content: '',
      finishReason: 'tool_calls',
      usage: { promptTokens: 40, completionTokens: 9 },
      toolCalls: [{ id: 'call_2', name: 'bash', arguments: '{"cmd":"cat flag.txt"}' }],
    });
    expect(srv.bodies[0]).toEqual({
      model: 'agent-model',
      messages: CONVERSATION,
      max_tokens: 256,
      tools,
      tool_choice: 'auto',
    });
  });

  it('returns an empty toolCalls array for a plain answer and sends no tools fields when none are given', async () => {
    const srv = await serve({
      choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }],
    });
    const result = await connect(srv.url).complete({ messages: [{ role: 'user', content: 'hi' }] });
    expect(result).toMatchObject({ ok: true, content: 'hello', toolCalls: [] });
    expect(srv.bodies[0]).toEqual({ model: 'agent-model', messages: [{ role: 'user', content: 'hi' }] });
  });

  it('treats a tool call without a function name as a retryable malformed response', async () => {
    const srv = await serve({
      choices: [{ message: { content: null, tool_calls: [{ id: 'c', function: {} }] } }],
    });
    const result = await connect(srv.url).complete({ messages: [{ role: 'user', content: 'hi' }] });
    expect(result).toMatchObject({ ok: false, kind: 'retryable', code: 'E_ENDPOINT' });
  });
});
