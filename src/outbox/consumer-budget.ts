/** How long one queue consumer invocation keeps claiming more work (and waiting for due retries) before it returns. */
export const WORK_BUDGET_MS = 60_000;
