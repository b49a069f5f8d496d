/**
 * One HTTP exchange as the client sends it: the transport owns the connection, the per-attempt time
 * limit, the body size limit and decoding; the client owns retries, limits and parsing.
 */
export interface HttpExchange {
  readonly method: string
  readonly url: URL
  readonly headers: Readonly<Record<string, string>>
  /** A JSON text, sent with its length. */
  readonly body?: string
  /** The whole exchange, body included, ends within this. */
  readonly timeoutMs: number
  /** A larger answer (declared or streamed, after decompression) is `tooLarge`. */
  readonly maxBodyBytes: number
  /** Aborts the exchange at once (the read's deadline). */
  readonly signal?: AbortSignal
}

/** How an exchange ended. Never a rejection: every way it can end is a value. */
export type HttpOutcome =
  | {
      readonly kind: 'answer'
      readonly status: number
      /** A response header by lower-case name. */
      readonly header: (name: string) => string | undefined
      readonly text: string
    }
  | { readonly kind: 'tooLarge' }
  | { readonly kind: 'timeout' }
  /** `signal` aborted it. */
  | { readonly kind: 'aborted' }
  | { readonly kind: 'network'; readonly cause: unknown }

/** Sends one exchange. */
export type HttpTransport = (exchange: HttpExchange) => Promise<HttpOutcome>
