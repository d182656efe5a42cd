import { describe, expect, it } from 'vitest';
import { isToolName, TOOL_ARGUMENT, toolDefinitions } from '../../../src/agent/tools.js';

describe('toolDefinitions', () => {
  it("describes Inspect's tools as OpenAI function tools, in the order asked", () => {
    const tools = toolDefinitions(['submit', 'bash', 'python']);
    expect(tools.map((tool) => [tool.type, tool.function.name, tool.function.parameters.required])).toEqual([
      ['function', 'submit', ['answer']],
      ['function', 'bash', ['cmd']],
      ['function', 'python', ['code']],
    ]);
    for (const tool of tools) {
      const argument = TOOL_ARGUMENT[tool.function.name];
      expect(tool.function.parameters).toMatchObject({
        type: 'object',
        properties: { [argument]: { type: 'string' } },
        additionalProperties: false,
      });
      expect(tool.function.description).not.toBe('');
    }
  });

  it('knows only its own tool names', () => {
    expect(['bash', 'python', 'submit', 'toString', 'shell'].map(isToolName)).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});
