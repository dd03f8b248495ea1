/**
 * A clock for a test server (startServer's `now`): real time plus an offset the test moves,
 * so an expiry or a timeout is reached by moving time, not by sleeping.
 */
export interface TestClock {
  now(): number;
  /** Moves the clock forward by `ms`. */
  advance(ms: number): void;
}

export function testClock(): TestClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms: number) {
      offset += ms;
    },
  };
}
