/**
 * Extracts the human-readable error message from an error response body, whatever the server's dialect.
 */

/** Default length limit of an extracted message. */
export const MAX_SERVER_MESSAGE_CHARS = 300;

/**
 * The message of an error body: OpenAI/vLLM `{"error": {"message"}}`, TGI `{"error": "..."}`, older vLLM and
 * llama.cpp `{"message"}`, FastAPI `{"detail"}` (string or validation list), else the text itself. Whitespace is
 * collapsed and the result cut to `maxChars` (with an ellipsis); '' for an empty body.
 */
export function extractServerMessage(body: string, maxChars: number = MAX_SERVER_MESSAGE_CHARS): string {
  let message: string | undefined;
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) {
    try {
      message = messageOf(JSON.parse(trimmed) as unknown);
    } catch {
      // Not JSON after all: use the text.
    }
  }
  return truncate((message ?? trimmed).replace(/\s+/g, ' ').trim(), maxChars);
}

function messageOf(doc: unknown): string | undefined {
  if (!isRecord(doc)) return undefined;
  const error = doc['error'];
  if (typeof error === 'string') return error;
  if (isRecord(error) && typeof error['message'] === 'string') return error['message'];
  if (typeof doc['message'] === 'string') return doc['message'];
  const detail = doc['detail'];
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    const parts = detail.map((item) =>
      isRecord(item) && typeof item['msg'] === 'string' ? item['msg'] : '',
    );
    const joined = parts.filter((part) => part !== '').join('; ');
    if (joined !== '') return joined;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function truncate(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, Math.max(0, maxChars - 1))}…`;
}
