import type { HttpOutcome, HttpTransport } from './http-transport.js'

/**
 * An `HttpTransport` over a WHATWG `fetch` (the client's `fetch` setting: tests and embedders that
 * route requests themselves). The default transport is `nodeHttpTransport`, which costs about half
 * the CPU per request.
 */
export function fetchTransport(fetchFn: typeof globalThis.fetch): HttpTransport {
  return async (x): Promise<HttpOutcome> => {
    const timeout = AbortSignal.timeout(x.timeoutMs)
    const signal = x.signal === undefined ? timeout : AbortSignal.any([timeout, x.signal])
    try {
      const response = await fetchFn(x.url, {
        method: x.method,
        headers: x.headers,
        ...(x.body !== undefined ? { body: x.body } : {}),
        signal,
      })
      const read = await readBodyText(response, x.maxBodyBytes)
      if (!('text' in read)) return { kind: 'tooLarge' }
      const header = (name: string) => response.headers.get(name) ?? undefined
      return { kind: 'answer', status: response.status, header, text: read.text }
    } catch (e) {
      if (x.signal?.aborted === true && !timeout.aborted) return { kind: 'aborted' }
      if (timeout.aborted) return { kind: 'timeout' }
      return { kind: 'network', cause: e }
    }
  }
}

/**
 * Reads a response body as text, refusing it past `maxBytes` (from `Content-Length` before any
 * byte, else while streaming): one answer must not fill the memory.
 */
export async function readBodyText(
  response: Response,
  maxBytes: number,
): Promise<{ readonly text: string } | { readonly tooLarge: true }> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined)
    return { tooLarge: true }
  }
  const body = response.body
  if (body === null) return { text: '' }
  // Node types a fetch body's chunks as any; they are bytes.
  const reader = (body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  const parts: string[] = []
  let bytes = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    bytes += value.byteLength
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => undefined)
      return { tooLarge: true }
    }
    parts.push(decoder.decode(value, { stream: true }))
  }
  parts.push(decoder.decode())
  return { text: parts.join('') }
}
