/**
 * Samples of every answer shape, shared by the simulator and reply-style tests.
 */
import type { Sample } from '../../../src/schema/suite.js';

/** One sample of every answer shape: single and multi choice, flags, exact, numeric, includes, regex. */
export const MIXED: Sample[] = [
  {
    id: 'mix-1',
    category: 'crypto',
    input: 'Which block size does AES use for every key length?',
    choices: ['64 bits', '128 bits', '192 bits', '256 bits'],
    target: 'B',
  },
  {
    id: 'mix-2',
    category: 'web',
    input: 'Which of these headers mitigate clickjacking? Select all that apply.',
    choices: ['X-Frame-Options', 'X-Powered-By', 'Content-Security-Policy frame-ancestors', 'Server'],
    target: ['A', 'C'],
  },
  {
    id: 'mix-3',
    category: 'crypto',
    input: 'The flag XORed with 0x20 is FLAG[ABC_123]. Reply with the flag.',
    target: 'flag{abc_123}',
    scorer: 'flag',
  },
  {
    id: 'mix-4',
    category: 'web',
    input: 'Name the hash function in HMAC-SHA256.',
    target: 'SHA-256',
    scorer: 'exact',
  },
  {
    id: 'mix-5',
    category: 'web',
    input: 'Which TCP port does HTTPS use by default?',
    target: '443',
    scorer: 'numeric',
  },
  {
    id: 'mix-6',
    category: 'web',
    input: 'Which class of memory-safety bug does a missing bounds check on strcpy cause?',
    target: 'buffer overflow',
    scorer: 'includes',
  },
  {
    id: 'mix-7',
    category: 'crypto',
    input: 'Which TLS version removed RSA key exchange?',
    target: 'TLS 1.3',
    scorer: { type: 'regex', pattern: '^TLS ?(?:v|version )?1\\.3$', flags: 'i' },
  },
  {
    id: 'mix-8',
    category: 'crypto',
    input: 'Decode the hex 4f4b and reply with the flag word it spells.',
    target: 'OK',
    scorer: 'flag',
  },
];
