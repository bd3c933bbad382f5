/** Reconnect timing: exponential growth, capped, with random jitter. */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter (ms). Default 250. */
  initialMs?: number;
  /** Upper bound of any delay (ms). Default 10 000. */
  maxMs?: number;
  /** Growth factor per attempt. Default 2. */
  factor?: number;
  /**
   * Fraction of the delay that is randomised, 0 … 1. Default 0.5: the delay
   * is uniformly drawn from [capped × (1 − jitter), capped].
   */
  jitter?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = {
  initialMs: 250,
  maxMs: 10_000,
  factor: 2,
  jitter: 0.5,
};

/**
 * The delay before reconnect attempt `attempt` (0 = the first retry).
 * `random` returns a number in [0, 1) (Math.random by default).
 * Always within [capped × (1 − jitter), capped] where
 * capped = min(maxMs, initialMs × factor^attempt).
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const o = { ...DEFAULT_BACKOFF, ...options };
  const jitter = Math.min(1, Math.max(0, o.jitter));
  const exp = o.initialMs * Math.pow(o.factor, Math.max(0, attempt));
  const capped = Math.min(o.maxMs, Number.isFinite(exp) ? exp : o.maxMs);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(capped * (1 - jitter * r));
}
