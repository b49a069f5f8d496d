import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import type { Readable } from 'node:stream'
import { createGunzip, createInflate } from 'node:zlib'
import type { HttpOutcome, HttpTransport } from './http-transport.js'

/** Settings of `nodeHttpTransport`. */
export interface NodeHttpTransportOptions {
  /** Connections kept per host; the client's concurrency (requests beyond it wait for one). */
  readonly maxSockets: number
  /**
   * Certificate authorities (PEM) trusted for `https://`, in place of Node's bundle: a server with a
   * certificate from a private CA. Certificates are verified either way.
   */
  readonly ca?: string | readonly string[]
}

// An idle connection is closed after this: below every server's keep-alive timeout we know of
// (Node 5 s, Go's Mattermost 60 s, nginx 65 s), so a request never goes out on a connection the
// server is closing at that moment.
const idleSocketMs = 4_000

/**
 * The default `HttpTransport`: `node:http` / `node:https` over keep-alive connections. A full read
 * of a large server is tens of thousands of requests, and `fetch` (WHATWG streams, an abort signal
 * per request) costs about twice the CPU per request. TLS certificates are verified (Node's
 * defaults and `NODE_EXTRA_CA_CERTS`); redirects are not followed (a 3xx is an answer like any
 * other, so the token never follows one); gzip answers are decompressed, with the body limit
 * applied to the decompressed bytes.
 */
export function nodeHttpTransport(options: NodeHttpTransportOptions): HttpTransport {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, timeout: idleSocketMs }
  const agents = {
    http: new HttpAgent(agentOptions),
    https: new HttpsAgent({
      ...agentOptions,
      ...(options.ca !== undefined
        ? { ca: typeof options.ca === 'string' ? options.ca : [...options.ca] }
        : {}),
    }),
  }
  return (x) =>
    new Promise<HttpOutcome>((resolve) => {
      if (x.signal?.aborted === true) {
        resolve({ kind: 'aborted' })
        return
      }
      const secure = x.url.protocol === 'https:'
      const headers: Record<string, string | number> = { ...x.headers, 'Accept-Encoding': 'gzip' }
      if (x.body !== undefined) headers['Content-Length'] = Buffer.byteLength(x.body)
      const request = (secure ? httpsRequest : httpRequest)(x.url, {
        method: x.method,
        headers,
        agent: secure ? agents.https : agents.http,
      })
      let settled = false
      const finish = (outcome: HttpOutcome): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        x.signal?.removeEventListener('abort', onAbort)
        if (outcome.kind !== 'answer') request.destroy()
        resolve(outcome)
      }
      const onAbort = (): void => {
        finish({ kind: 'aborted' })
      }
      const timer = setTimeout(() => {
        finish({ kind: 'timeout' })
      }, x.timeoutMs)
      x.signal?.addEventListener('abort', onAbort, { once: true })
      request.on('error', (cause) => {
        finish({ kind: 'network', cause })
      })
      request.on('response', (response) => {
        readAnswer(response, x.maxBodyBytes, finish)
      })
      request.end(x.body)
    })
}

function readAnswer(
  response: IncomingMessage,
  maxBytes: number,
  finish: (outcome: HttpOutcome) => void,
): void {
  const declared = Number(response.headers['content-length'] ?? Number.NaN)
  const encoding = response.headers['content-encoding']?.trim().toLowerCase() ?? 'identity'
  // A compressed body's declared length is not what it holds: only the decompressed bytes count.
  if (encoding === 'identity' && Number.isFinite(declared) && declared > maxBytes) {
    finish({ kind: 'tooLarge' })
    return
  }
  let body: Readable
  if (encoding === 'identity') body = response
  else if (encoding === 'gzip' || encoding === 'x-gzip' || encoding === 'deflate') {
    const inflate = encoding === 'deflate' ? createInflate() : createGunzip()
    response.on('error', (cause) => {
      finish({ kind: 'network', cause })
    })
    body = response.pipe(inflate)
  } else {
    const cause = new Error(`the answer is encoded as "${encoding}", which was not asked for`)
    finish({ kind: 'network', cause })
    return
  }
  const chunks: Buffer[] = []
  let bytes = 0
  body.on('data', (chunk: Buffer) => {
    bytes += chunk.length
    if (bytes > maxBytes) finish({ kind: 'tooLarge' })
    else chunks.push(chunk)
  })
  body.on('error', (cause) => {
    finish({ kind: 'network', cause })
  })
  body.on('end', () => {
    const text = Buffer.concat(chunks, bytes).toString('utf8')
    const header = (name: string): string | undefined => {
      const value = response.headers[name.toLowerCase()]
      return Array.isArray(value) ? value.join(', ') : value
    }
    finish({ kind: 'answer', status: response.statusCode ?? 0, header, text })
  })
  // A connection that drops mid-body closes the response without an end.
  response.on('close', () => {
    if (!response.complete)
      finish({ kind: 'network', cause: new Error('the connection closed before the answer ended') })
  })
}
