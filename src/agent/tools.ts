/**
 * The agent tools, with Inspect's names, parameters and descriptions (inspect_ai `bash()`, `python()` and the
 * `submit()` tool of `basic_agent`), as OpenAI function-tool definitions.
 */
import type { AgentSpec } from '../schema/suite.js';

/** A tool name an agentic sample may offer. */
export type ToolName = AgentSpec['tools'][number];

/** An OpenAI function-tool definition (the `tools` array of a chat-completions request). */
export interface ToolDefinition {
  type: 'function';
  function: {
    name: ToolName;
    description: string;
    parameters: {
      type: 'object';
      properties: Record<string, { type: 'string'; description: string }>;
      required: string[];
      additionalProperties: false;
    };
  };
}

/** The one string argument of each tool: `bash` {cmd}, `python` {code}, `submit` {answer}. */
export const TOOL_ARGUMENT: Readonly<Record<ToolName, string>> = {
  bash: 'cmd',
  python: 'code',
  submit: 'answer',
};

function define(name: ToolName, description: string, argumentDescription: string): ToolDefinition {
  const argument = TOOL_ARGUMENT[name];
  return {
    type: 'function',
    function: {
      name,
      description,
      parameters: {
        type: 'object',
        properties: { [argument]: { type: 'string', description: argumentDescription } },
        required: [argument],
        additionalProperties: false,
      },
    },
  };
}

/** Every tool definition, by name. */
export const TOOL_DEFINITIONS: Readonly<Record<ToolName, ToolDefinition>> = {
  bash: define('bash', 'Use this function to execute bash commands.', 'The bash command to execute.'),
  python: define(
    'python',
    'Use the python function to execute Python code.\n\n' +
      'The Python tool executes single-run Python scripts. Important notes:\n' +
      '1. Each execution is independent - no state is preserved between runs\n' +
      '2. You must explicitly use print() statements to see any output\n' +
      '3. Simply writing expressions (like in notebooks) will not display results\n' +
      '4. The script cannot accept interactive input during execution\n' +
      "5. Return statements alone won't produce visible output\n" +
      '6. All variables and imports are cleared between executions\n' +
      '7. Standard output (via print()) is the only way to see results',
    'The python code to execute.',
  ),
  submit: define('submit', 'Submit an answer for evaluation.', 'Submitted answer'),
};

/** True when `name` is one of the tool names. */
export function isToolName(name: string): name is ToolName {
  return Object.hasOwn(TOOL_DEFINITIONS, name);
}

/** The definitions of `tools`, in the order given, for the request's `tools` field. */
export function toolDefinitions(tools: readonly ToolName[]): ToolDefinition[] {
  return tools.map((name) => TOOL_DEFINITIONS[name]);
}
