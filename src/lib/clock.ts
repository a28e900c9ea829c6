/** Time source passed into services so tests can move time without faking timers globally. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
