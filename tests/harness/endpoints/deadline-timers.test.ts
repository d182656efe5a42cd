/**
 * DeadlineTimers on a scripted clock: timers that always fire 0.8 ms late are started earlier and earlier until the
 * callbacks run at their deadlines on average; timers that fire on time are left alone.
 */
import { describe, expect, it } from 'vitest';
import { DeadlineTimers, type TimerHost } from '../../../harness/endpoints/deadline-timers.js';

/** A clock the test moves: each timer fires `lateMs` after the wait it was given. */
function scriptedHost(lateMs: number): TimerHost & { fired: number[]; waits: number[]; run(): void } {
  let now = 0;
  const queue: Array<{ at: number; fire: () => void }> = [];
  const host = {
    fired: [] as number[],
    waits: [] as number[],
    now: () => now,
    setTimeout(fire: () => void, ms: number) {
      host.waits.push(ms);
      queue.push({ at: now + ms + lateMs, fire });
      return {} as NodeJS.Timeout;
    },
    run() {
      while (queue.length > 0) {
        queue.sort((a, b) => a.at - b.at);
        const next = queue.shift()!;
        now = next.at;
        host.fired.push(now);
        next.fire();
      }
    },
  };
  return host;
}

describe('DeadlineTimers', () => {
  it('learns how late its timers fire and starts them that much early, so they fire at their deadlines on average', () => {
    const host = scriptedHost(0.8);
    const timers = new DeadlineTimers(host);
    const misses: number[] = [];
    let due = 0;
    // A chain like the simulator's: each reply's successor arrives when it is sent, due 50 ms later.
    const next = (count: number): void => {
      if (count === 0) return;
      due = host.now() + 50;
      const expected = due;
      timers.at(expected, () => {
        misses.push(host.now() - expected);
        next(count - 1);
      });
    };
    next(400);
    host.run();
    expect(misses[0]).toBeCloseTo(0.8, 6);
    const last = misses.slice(-100);
    const mean = last.reduce((a, b) => a + b, 0) / last.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(timers.latenessMs).toBeCloseTo(0.8, 1);
    expect(new Set(host.waits.slice(-100))).toEqual(new Set([49, 50]));
  });

  it('leaves timers that fire on time alone, and never asks for less than 1 ms', () => {
    const host = scriptedHost(0);
    const timers = new DeadlineTimers(host);
    timers.at(50, () => undefined);
    timers.at(-5, () => undefined);
    host.run();
    expect(host.waits).toEqual([50, 1]);
    expect(timers.latenessMs).toBe(0);
  });
});
