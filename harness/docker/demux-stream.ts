/**
 * Splits the Engine API's multiplexed attach stream (8-byte frame headers: stream type, 3 zero bytes, big-endian
 * length) into stdout and stderr, keeping at most `limitBytes` of each and dropping the rest.
 */

/** Collects the frames of one exec. */
export interface StreamDemuxer {
  /** Feeds raw bytes as they arrive (frames may be split across chunks). */
  push(chunk: Buffer): void;
  /** The captured text; `truncated` when a stream was longer than the limit. */
  finish(): { stdout: string; stderr: string; truncated: boolean };
}

const HEADER_BYTES = 8;

/** A demuxer keeping `limitBytes` per stream. */
export function createStreamDemuxer(limitBytes: number): StreamDemuxer {
  const kept: [Buffer[], Buffer[]] = [[], []];
  const sizes = [0, 0];
  let truncated = false;
  let pending: Buffer = Buffer.alloc(0);

  function keep(stream: 0 | 1, bytes: Buffer): void {
    const room = limitBytes - (sizes[stream] ?? 0);
    if (room <= 0) {
      if (bytes.length > 0) truncated = true;
      return;
    }
    const part = bytes.length > room ? bytes.subarray(0, room) : bytes;
    if (part.length < bytes.length) truncated = true;
    kept[stream].push(Buffer.from(part));
    sizes[stream] = (sizes[stream] ?? 0) + part.length;
  }

  return {
    push(chunk) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= HEADER_BYTES) {
        const type = pending[0] ?? 0;
        const size = pending.readUInt32BE(4);
        if (pending.length < HEADER_BYTES + size) break;
        const payload = pending.subarray(HEADER_BYTES, HEADER_BYTES + size);
        // 1 stdout, 2 stderr (0 is stdin, never sent to us).
        keep(type === 2 ? 1 : 0, payload);
        pending = pending.subarray(HEADER_BYTES + size);
      }
    },
    finish() {
      return {
        stdout: Buffer.concat(kept[0]).toString('utf8'),
        stderr: Buffer.concat(kept[1]).toString('utf8'),
        truncated,
      };
    },
  };
}
