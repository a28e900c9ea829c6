// What the LLM gateway asks of other modules. Billing implements SpendGuard (wallet hard stop,
// per-user spending limit); until it is wired every call is allowed.

export type SpendDecision = { allowed: true } | { allowed: false; code: string; message: string };

export interface SpendGuard {
  /** Called before each LLM call of an agent owned by `ownerId`; a refusal becomes HTTP 402 with `code`. */
  check(ownerId: string): Promise<SpendDecision>;
}

export const allowAllSpendGuard: SpendGuard = {
  async check() {
    return { allowed: true };
  },
};
