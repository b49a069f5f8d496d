import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { defaultHttpLimits, type HttpLimits } from './http-limits.js'

/** Answers one GET or HEAD (HEAD: Node drops the body). The path is already parsed. */
export type GetHandler = (url: URL, req: IncomingMessage, res: ServerResponse) => void

/**
 * Listens on `port`/`host` with the service's limits: at most `maxConnections` sockets, headers
 * within `headersTimeoutMs`, whole requests within `requestTimeoutMs`, idle kept-alive sockets closed
 * after `keepAliveTimeoutMs`. Every endpoint is read-only: any method but GET and HEAD is answered
 * 405 with `Allow: GET, HEAD` before `handle` sees it. Rejects when the port cannot be bound.
 */
export function serveHttp(
  port: number,
  host: string,
  limits: Partial<HttpLimits>,
  handle: GetHandler,
): Promise<Server> {
  const l = { ...defaultHttpLimits, ...limits }
  // A caller's bug: Node would refuse the pair, or never time out at all.
  for (const [name, v] of Object.entries(l))
    if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`${name} must be an integer >= 1`)
  if (l.headersTimeoutMs > l.requestTimeoutMs)
    throw new RangeError('headersTimeoutMs must not exceed requestTimeoutMs')
  const server = createServer(
    {
      requestTimeout: l.requestTimeoutMs,
      headersTimeout: l.headersTimeoutMs,
      keepAliveTimeout: l.keepAliveTimeoutMs,
      // Node checks the two timeouts on this interval (default 30 s): keep it below them.
      connectionsCheckingInterval: Math.max(
        10,
        Math.min(1_000, Math.floor(l.headersTimeoutMs / 2)),
      ),
    },
    (req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: 'only GET and HEAD' }))
        return
      }
      handle(new URL(req.url ?? '/', 'http://localhost'), req, res)
    },
  )
  server.maxConnections = l.maxConnections
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve(server)
    })
  })
}

/**
 * Whether `Authorization` carries `Bearer <token>`. Both sides are hashed first, so the comparison
 * takes the same time whatever the header holds (its length included).
 */
export function bearerTokenMatches(authorization: string | undefined, token: string): boolean {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '')
  const given = createHash('sha256')
    .update(m?.[1] ?? '')
    .digest()
  const expected = createHash('sha256').update(token).digest()
  return timingSafeEqual(given, expected) && m !== null
}
