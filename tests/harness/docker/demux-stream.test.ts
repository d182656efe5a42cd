/**
 * createStreamDemuxer: the Engine API's multiplexed stream (8-byte headers: type, 3 zero bytes, big-endian
 * length), however the bytes are chunked, split into stdout and stderr with a per-stream byte limit.
 */
import { describe, expect, it } from 'vitest';
import { createStreamDemuxer } from '../../../harness/docker/demux-stream.js';

const STDOUT = 1;
const STDERR = 2;

/** One frame of the multiplexed stream. */
function frame(type: number, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = Buffer.alloc(8);
  head[0] = type;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

/** What the demuxer makes of `chunks`, pushed in order. */
function demux(
  chunks: readonly Buffer[],
  limitBytes = 1 << 20,
): ReturnType<ReturnType<typeof createStreamDemuxer>['finish']> {
  const demuxer = createStreamDemuxer(limitBytes);
  for (const chunk of chunks) demuxer.push(chunk);
  return demuxer.finish();
}

// 'é' is two bytes: its frames split it, so text must be decoded after the frames are joined.
const STREAM = Buffer.concat([
  frame(STDOUT, 'hello '),
  frame(STDERR, 'warn: x\n'),
  frame(STDOUT, Buffer.from('caf\xc3', 'latin1')),
  frame(STDOUT, Buffer.from('\xa9 ', 'latin1')),
  frame(STDERR, ''),
  frame(STDOUT, 'world\n'),
  frame(STDERR, 'done\n'),
]);
const EXPECTED = { stdout: 'hello café world\n', stderr: 'warn: x\ndone\n', truncated: false };

describe('createStreamDemuxer', () => {
  it('separates stdout and stderr frames, in order within each stream', () => {
    expect(demux([STREAM])).toEqual(EXPECTED);
  });

  it('gives the same result for a stream split into two chunks at every byte offset', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      expect(demux([STREAM.subarray(0, cut), STREAM.subarray(cut)]), `cut at ${cut}`).toEqual(EXPECTED);
    }
  });

  it('gives the same result for a stream split into three chunks at every pair of offsets', () => {
    for (let a = 0; a <= STREAM.length; a++) {
      for (let b = a; b <= STREAM.length; b++) {
        const chunks = [STREAM.subarray(0, a), STREAM.subarray(a, b), STREAM.subarray(b)];
        expect(demux(chunks), `cuts at ${a}, ${b}`).toEqual(EXPECTED);
      }
    }
  });

  it('gives the same result when fed one byte at a time', () => {
    const bytes = Array.from(STREAM, (byte) => Buffer.from([byte]));
    expect(demux(bytes)).toEqual(EXPECTED);
  });

  it('reads the frame length as a 32-bit big-endian number', () => {
    const big = Buffer.alloc(70_000, 0x41);
    const result = demux([frame(STDOUT, big), frame(STDERR, 'after')]);
    expect(result.stdout.length).toBe(70_000);
    expect(result.stderr).toBe('after');
  });

  it('leaves out a frame that has not fully arrived', () => {
    const partial = frame(STDOUT, 'incomplete').subarray(0, 12);
    expect(demux([frame(STDOUT, 'whole'), partial])).toEqual({
      stdout: 'whole',
      stderr: '',
      truncated: false,
    });
  });

  it('keeps at most limitBytes of each stream and says it truncated', () => {
    const result = demux(
      [frame(STDOUT, 'abc'), frame(STDERR, '12'), frame(STDOUT, 'defgh'), frame(STDERR, '345')],
      5,
    );
    expect(result).toEqual({ stdout: 'abcde', stderr: '12345', truncated: true });
  });

  it('does not flag a stream exactly at the limit as truncated', () => {
    expect(demux([frame(STDOUT, 'abc'), frame(STDOUT, 'de'), frame(STDERR, 'vwxyz')], 5)).toEqual({
      stdout: 'abcde',
      stderr: 'vwxyz',
      truncated: false,
    });
    // An empty frame after the limit brings no bytes to drop.
    expect(demux([frame(STDOUT, 'abcde'), frame(STDOUT, '')], 5).truncated).toBe(false);
  });

  it('flags a frame that arrives after the limit was reached', () => {
    expect(demux([frame(STDOUT, 'abcde'), frame(STDOUT, 'f')], 5)).toEqual({
      stdout: 'abcde',
      stderr: '',
      truncated: true,
    });
  });

  it('truncates the same way however the stream is chunked', () => {
    const stream = Buffer.concat([frame(STDOUT, 'abcdefgh'), frame(STDERR, 'xy'), frame(STDOUT, 'ij')]);
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(demux([stream.subarray(0, cut), stream.subarray(cut)], 4), `cut at ${cut}`).toEqual({
        stdout: 'abcd',
        stderr: 'xy',
        truncated: true,
      });
    }
  });

  it('keeps nothing with a limit of 0', () => {
    expect(demux([frame(STDOUT, 'a'), frame(STDERR, 'b')], 0)).toEqual({
      stdout: '',
      stderr: '',
      truncated: true,
    });
  });
});
