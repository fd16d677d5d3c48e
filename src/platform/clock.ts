/**
 * The shell's clock: the one place that reads the real time. Everything else is given a clock
 * (or an instant), so tests and the dry run can stand at any moment.
 */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

export const dateOf = (clock: Clock): Date => new Date(clock.now());
