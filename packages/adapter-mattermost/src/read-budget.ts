import { setMaxListeners } from 'node:events'
import type { MattermostError } from './mattermost-error.js'

/**
 * Bounds on one read of Mattermost (`loadSyncState`): a server that pages forever, answers slowly
 * without end or sends huge bodies ends the read with a `readLimit` error instead of exhausting
 * memory or time. Per-listing pages and body bytes are the client's settings (`maxPagesPerListing`,
 * `maxBodyBytes`); these two span every request of the read.
 */
export interface MattermostReadLimits {
  /** The whole read ends within this; requests in flight are aborted. */
  readonly deadlineMs: number
  /** Requests the read may send, retries included. */
  readonly maxRequests: number
}

/**
 * The defaults, about ten times what the largest deployment this is built for needs (100k users,
 * 20k channels: ~47k requests, under a minute): see the README.
 */
export const defaultMattermostReadLimits: MattermostReadLimits = Object.freeze({
  deadlineMs: 1_800_000,
  maxRequests: 500_000,
})

/** A read the client is inside of: its limits and what it has used. */
export interface ReadBudget {
  readonly limits: MattermostReadLimits
  readonly deadline: number
  /** Aborted at the deadline: requests in flight stop at once. */
  readonly signal: AbortSignal
  requests: number
}

/** Builds the error with its sentence. */
export function readLimitError(
  limit: 'deadline' | 'requests' | 'pages' | 'bodyBytes',
  max: number,
  method: string,
  path: string,
): MattermostError {
  const what = {
    deadline: `the read did not finish within ${max} ms (limits.deadlineMs)`,
    requests: `the read needed more than ${max} requests (limits.maxRequests)`,
    pages: `the listing went on past ${max} pages (maxPagesPerListing)`,
    bodyBytes: `the answer is larger than ${max} bytes (maxBodyBytes)`,
  }[limit]
  return {
    kind: 'readLimit',
    limit,
    max,
    method,
    path,
    message: `${method} ${path}: ${what}: nothing was read`,
  }
}

/**
 * Why the budget refuses another request now (deadline passed, or every request used), counting
 * the request when it is allowed.
 */
export function spendRequest(
  budget: ReadBudget,
  method: string,
  path: string,
): MattermostError | undefined {
  if (budget.signal.aborted || Date.now() >= budget.deadline)
    return readLimitError('deadline', budget.limits.deadlineMs, method, path)
  if (budget.requests >= budget.limits.maxRequests)
    return readLimitError('requests', budget.limits.maxRequests, method, path)
  budget.requests++
  return undefined
}

/**
 * Runs `read` as one budgeted read: every request of a client view it makes with the budget
 * (`client.withReadBudget(budget)`) counts against `limits`, and at the deadline the read ends
 * with a `readLimit` error even if a request is still waiting (a backoff, a 429 pause). The budget
 * is passed, not kept in an AsyncLocalStorage: in Node 20 that turns on promise hooks for the whole
 * process, a cost on every promise of an embedding service from then on.
 */
export async function withinReadBudget<T>(
  limits: MattermostReadLimits,
  read: (budget: ReadBudget) => PromiseLike<T>,
  onDeadline: (error: MattermostError) => T,
): Promise<T> {
  const controller = new AbortController()
  // Every request in flight listens on it (the client's concurrency, 16 by default): not a leak.
  setMaxListeners(0, controller.signal)
  const budget: ReadBudget = {
    limits,
    deadline: Date.now() + limits.deadlineMs,
    signal: controller.signal,
    requests: 0,
  }
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<T>((resolve) => {
    timer = setTimeout(
      () => {
        controller.abort()
        resolve(onDeadline(readLimitError('deadline', limits.deadlineMs, 'GET', '(the read)')))
      },
      // setTimeout cannot wait longer than 2^31 - 1 ms (it would fire at once): that long is never.
      Math.min(2 ** 31 - 1, limits.deadlineMs),
    )
  })
  try {
    return await Promise.race([read(budget), expired])
  } finally {
    clearTimeout(timer)
    // Whatever is still queued or in flight fails at once instead of reading on.
    controller.abort()
  }
}
