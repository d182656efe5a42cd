/**
 * Checkpoints of a validated JSONL file, so that a later pass over it (stream-jsonl.ts) need not check and hash
 * again the lines that did not change. The non-blank lines are cut into blocks (of JSONL_BLOCK_LINES lines, fewer when
 * they are long); for each block the validation pass keeps the sha256 of its lines as read (each followed by "\n", which no line contains)
 * and the suite digest's state at its start. A block whose lines hash the same holds the very lines that were
 * validated (as far as sha256 tells, which is as far as the suite digest itself goes), hence the same samples and
 * the same contribution to the digest; from the first block that differs, a pass resumes the digest from that
 * block's state and checks every line, as if nothing were known.
 */
import { createHash } from 'node:crypto';
import type { SuiteHasher } from './hash-suite.js';
import type { JsonlLine } from './read-jsonl-lines.js';

/** Non-blank lines in a block (fewer when they are long: see JSONL_BLOCK_CHARS). */
export const JSONL_BLOCK_LINES = 256;
/** A block also ends once its lines, each with its "\n", reach this many characters (a pass holds one block). */
export const JSONL_BLOCK_CHARS = 1024 * 1024;

/** What the validation pass learnt about the blocks of a valid JSONL file. */
export interface JsonlCheckpoints {
  /** Lowercase hex sha256 of each block's lines, each followed by "\n"; the last block may be shorter. */
  blockSha256: readonly string[];
  /** The digest's state at the start of each block, then after the last sample (one more than blocks). */
  hashers: readonly SuiteHasher[];
}

/** Records the checkpoints of the lines of a validation pass, one line at a time. */
export interface JsonlCheckpointRecorder {
  /** Records the next non-blank line; `hasher` is the digest before its sample (undefined once it failed). */
  add(text: string, hasher: SuiteHasher | undefined): void;
  /** The checkpoints of a valid file, given the digest after its last sample. */
  finish(hasher: SuiteHasher): JsonlCheckpoints;
}

/** Creates a recorder for one validation pass. */
export function createCheckpointRecorder(): JsonlCheckpointRecorder {
  const blockSha256: string[] = [];
  const hashers: SuiteHasher[] = [];
  let block: BlockHash | undefined;
  // Once a sample cannot be hashed the file is invalid (and the digest stays undefined): nothing more is recorded.
  let hasFailed = false;
  return {
    add(text, hasher) {
      if (hasFailed || hasher === undefined) {
        hasFailed = true;
        return;
      }
      if (block === undefined) {
        hashers.push(hasher.copy());
        block = createBlockHash();
      }
      block.add(text);
      if (block.isFull) {
        blockSha256.push(block.digest());
        block = undefined;
      }
    },
    finish(hasher) {
      // A digest that failed never comes back, so a pass with a final digest recorded every line.
      if (hasFailed) throw new Error('checkpoints of a file whose digest failed (an internal error)');
      if (block !== undefined) blockSha256.push(block.digest());
      hashers.push(hasher.copy());
      return { blockSha256, hashers };
    },
  };
}

/** Lines a later pass can pass on: first those known unchanged, then those to check and hash afresh. */
export interface VerifiedLines {
  /** Lines of unchanged blocks: valid samples, already in the digest. */
  trusted: JsonlLine[];
  /** Lines from the first block that differs on, with the digest resumed at that block's start. */
  toCheck?: { lines: JsonlLine[]; hasher: SuiteHasher };
}

/** Compares the lines of a later pass with the checkpoints, block by block. */
export interface CheckpointVerifier {
  /** The digest, resumed at the first block that differed; undefined while every block was unchanged. */
  readonly hasher: SuiteHasher | undefined;
  /** Takes the next lines; returns those that can be passed on now (a block is held until it is complete). */
  push(lines: readonly JsonlLine[]): VerifiedLines;
  /** The lines still held, at the end of the file (or when it can no longer be read). */
  end(): VerifiedLines;
}

/** Creates the verifier of one pass over a file validated with `checkpoints`. */
export function createCheckpointVerifier(checkpoints: JsonlCheckpoints): CheckpointVerifier {
  let block: JsonlLine[] = [];
  let blockHash = createBlockHash();
  let blockIndex = 0;
  let hasher: SuiteHasher | undefined;

  const settleBlock = (out: VerifiedLines): void => {
    if (blockHash.digest() === checkpoints.blockSha256[blockIndex]) out.trusted.push(...block);
    else {
      hasher = resumeHasher(checkpoints, blockIndex);
      out.toCheck = { lines: block, hasher };
    }
    block = [];
    blockHash = createBlockHash();
    blockIndex++;
  };

  return {
    get hasher() {
      return hasher;
    },
    push(lines) {
      const out: VerifiedLines = { trusted: [] };
      for (const line of lines) {
        if (out.toCheck !== undefined) {
          out.toCheck.lines.push(line);
        } else if (hasher !== undefined) {
          out.toCheck = { lines: [line], hasher };
        } else {
          block.push(line);
          blockHash.add(line.text);
          if (blockHash.isFull) settleBlock(out);
        }
      }
      return out;
    },
    end() {
      const out: VerifiedLines = { trusted: [] };
      if (block.length > 0) settleBlock(out);
      return out;
    },
  };
}

/** A copy of the digest's state at the start of block `index`. */
function resumeHasher(checkpoints: JsonlCheckpoints, index: number): SuiteHasher {
  // A pass reaches block `index` only through blocks 0..index-1 unchanged and full (a block is only passed on
  // before the end of the file when full), so the validated file had those same `index` blocks, and there is a
  // state for the start of block `index` (or for the end of the file).
  const state = checkpoints.hashers[index];
  if (state === undefined) throw new Error(`no digest state for block ${index} (an internal error)`);
  return state.copy();
}

/** The running sha256 of the lines of one block, which also tells where the block ends. */
interface BlockHash {
  add(text: string): void;
  /** True once the block has all its lines. */
  readonly isFull: boolean;
  /** Lowercase hex; the hash cannot be used afterwards. */
  digest(): string;
}

// Lines are handed to the hash a few kilobytes at a time: one call per line costs more than the hashing, and a
// longer wait keeps the lines alive long enough to be promoted to the old generation (which costs a full GC).
const MAX_PENDING_CHARS = 8 * 1024;

/** Starts the hash of a block's lines, each followed by "\n". */
function createBlockHash(): BlockHash {
  const hash = createHash('sha256');
  let pending = '';
  let lines = 0;
  let chars = 0;
  return {
    add(text) {
      pending += `${text}\n`;
      lines++;
      chars += text.length + 1;
      if (pending.length >= MAX_PENDING_CHARS) {
        hash.update(pending, 'utf8');
        pending = '';
      }
    },
    get isFull() {
      return lines >= JSONL_BLOCK_LINES || chars >= JSONL_BLOCK_CHARS;
    },
    digest: () => hash.update(pending, 'utf8').digest('hex'),
  };
}
