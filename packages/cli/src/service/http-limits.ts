/** What one HTTP port of the service accepts: connections at once and how long a client may take. */
export interface HttpLimits {
  /** Open connections at once; more are closed on accept (`server.maxConnections`). */
  readonly maxConnections: number
  /** Time for a whole request, headers included (`server.requestTimeout`). */
  readonly requestTimeoutMs: number
  /** Time for a request's headers; at most `requestTimeoutMs` (`server.headersTimeout`). */
  readonly headersTimeoutMs: number
  /** An idle kept-alive connection is closed after this (`server.keepAliveTimeout`). */
  readonly keepAliveTimeoutMs: number
}

/**
 * The defaults: a scrape or a probe is one small GET, so a slow or piling-up client is one to drop
 * (slowloris) rather than to wait for. 64 connections leave room for several Prometheus servers,
 * probes and the hook's callers.
 */
export const defaultHttpLimits: HttpLimits = Object.freeze({
  maxConnections: 64,
  requestTimeoutMs: 10_000,
  headersTimeoutMs: 5_000,
  keepAliveTimeoutMs: 5_000,
})
