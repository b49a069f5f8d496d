import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request as the recorder saw it. */
export interface Recorded {
  readonly method: string
  readonly path: string
  readonly query: Record<string, string>
  readonly body: unknown
  readonly authorization: string
}

/**
 * A server that records requests and answers `[]`: enough for both our client and Client4 to send
 * exactly one request per call, so the two can be compared.
 */
export class RecordingServer {
  readonly requests: Recorded[] = []
  url = ''
  readonly #server: Server

  private constructor() {
    this.#server = createServer((req, res) => {
      const parts: Buffer[] = []
      req.on('data', (c: Buffer) => parts.push(c))
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://recorder')
        const text = Buffer.concat(parts).toString('utf8')
        this.requests.push({
          method: (req.method ?? '').toUpperCase(),
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          body: text === '' ? undefined : (JSON.parse(text) as unknown),
          authorization: req.headers.authorization ?? '',
        })
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.end('[]')
      })
    })
  }

  /** Starts a recorder on a random loopback port. */
  static async start(): Promise<RecordingServer> {
    const r = new RecordingServer()
    await new Promise<void>((resolve) => r.#server.listen(0, '127.0.0.1', resolve))
    r.url = `http://127.0.0.1:${(r.#server.address() as AddressInfo).port}`
    return r
  }

  /** Returns and forgets the requests recorded so far. */
  take(): Recorded[] {
    return this.requests.splice(0)
  }

  /** Stops the server. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve()
      })
    })
  }
}
