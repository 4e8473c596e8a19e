// nextTurn lets the event loop in: a timer, an abort or a message set up by another task runs
// while a loop keeps awaiting it, in Node (setImmediate) and where there is none (a browser
// worker: messages to itself).
import { afterEach, describe, expect, test, vi } from 'vitest';

async function loopUntilAborted(nextTurn: () => Promise<void>): Promise<number> {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 20);
  const started = performance.now();
  let turns = 0;
  while (!controller.signal.aborted) {
    if (performance.now() - started > 5000) throw new Error('the timer never ran');
    await nextTurn();
    turns++;
  }
  return turns;
}

describe('nextTurn', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  test('in Node (setImmediate): a timer gets its turn, and a turn costs far less than setTimeout’s 1 ms', async () => {
    const { nextTurn } = await import('../../bindings/core/turn.js');
    const turns = await loopUntilAborted(nextTurn);
    // ~20 ms of turns: with setTimeout(0) there would be at most ~20.
    expect(turns).toBeGreaterThan(100);
  });

  test('without setImmediate (a browser worker): messages to itself, in order', async () => {
    vi.stubGlobal('setImmediate', undefined);
    const { nextTurn } = await import('../../bindings/core/turn.js');
    expect(await loopUntilAborted(nextTurn)).toBeGreaterThan(0);
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((k) => nextTurn().then(() => order.push(k))));
    expect(order).toEqual([1, 2, 3]);
  });
});
