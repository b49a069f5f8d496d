/**
 * Yields what `source` yields, but asks for the next item before handing out the current one: with
 * ldapts' paged search, the request for page n+1 is on its way while page n is processed. Stopping
 * early (a `return` or a throw in the consumer) ends `source` too, and the request made ahead of time
 * can then fail without an unhandled rejection.
 */
export async function* readAhead<T>(source: AsyncGenerator<T, unknown>): AsyncGenerator<T, void> {
  let next = source.next()
  try {
    for (;;) {
      const r = await next
      if (r.done === true) return
      next = source.next()
      next.catch(() => undefined)
      yield r.value
    }
  } finally {
    void source.return(undefined).catch(() => undefined)
  }
}
