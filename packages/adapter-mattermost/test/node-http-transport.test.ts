import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deflateSync, gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { createMattermostClient, nodeHttpTransport, type HttpOutcome } from '../src/index.js'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections()
          s.close(() => {
            resolve()
          })
        }),
    ),
  )
})

async function serve(handler: RequestListener, make: () => Server = createServer): Promise<URL> {
  const server = make()
  server.on('request', handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const scheme = make === createServer ? 'http' : 'https'
  return new URL(`${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}/api/v4/x`)
}

const transport = nodeHttpTransport({ maxSockets: 4 })
const exchange = (url: URL, more: Partial<Parameters<typeof transport>[0]> = {}) =>
  transport({ method: 'GET', url, headers: {}, timeoutMs: 2_000, maxBodyBytes: 1_000, ...more })

function text(outcome: HttpOutcome): string {
  if (outcome.kind !== 'answer') throw new Error(`expected an answer, got ${outcome.kind}`)
  return outcome.text
}

describe('nodeHttpTransport', () => {
  it('should send method, headers and a JSON body with its length, and read status, headers and text', async () => {
    const seen: { method?: string; headers?: IncomingMessage['headers']; body?: string } = {}
    const url = await serve((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        Object.assign(seen, { method: req.method, headers: req.headers, body })
        res.writeHead(201, { 'Content-Type': 'application/json', 'X-Thing': 'é' })
        res.end('{"ok":"ü"}')
      })
    })

    const outcome = await exchange(url, {
      method: 'POST',
      headers: { Authorization: 'Bearer t' },
      body: '["ä"]',
    })

    expect(outcome.kind === 'answer' && [outcome.status, outcome.header('content-type')]).toEqual([
      201,
      'application/json',
    ])
    expect(text(outcome)).toBe('{"ok":"ü"}')
    expect(seen.method).toBe('POST')
    expect(seen.body).toBe('["ä"]')
    expect(seen.headers?.['content-length']).toBe(String(Buffer.byteLength('["ä"]')))
    expect(seen.headers?.['authorization']).toBe('Bearer t')
    expect(seen.headers?.['accept-encoding']).toBe('gzip')
  })

  it('should decompress gzip and deflate answers', async () => {
    const body = JSON.stringify({ rows: Array.from({ length: 50 }, (_, i) => i) })
    const url = await serve((req, res) => {
      const deflate = req.url?.includes('deflate') === true
      res.writeHead(200, { 'Content-Encoding': deflate ? 'deflate' : 'gzip' })
      res.end(deflate ? deflateSync(body) : gzipSync(body))
    })

    expect(text(await exchange(url))).toBe(body)
    expect(text(await exchange(new URL('?deflate', url)))).toBe(body)
  })

  it('should refuse a body past the limit: declared, streamed, or decompressed from a small gzip', async () => {
    const big = 'x'.repeat(5_000)
    const url = await serve((req, res) => {
      if (req.url?.includes('declared') === true) res.writeHead(200, { 'Content-Length': 5_000 })
      else if (req.url?.includes('gzip') === true) {
        res.writeHead(200, { 'Content-Encoding': 'gzip' })
        res.end(gzipSync('0'.repeat(10_000_000)))
        return
      }
      res.end(big)
    })

    for (const which of ['?declared', '?streamed', '?gzip']) {
      expect(await exchange(new URL(which, url))).toEqual({ kind: 'tooLarge' })
    }
  })

  it('should refuse an encoding it did not ask for', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Encoding': 'br' })
      res.end('???')
    })

    const outcome = await exchange(url)

    expect(outcome.kind).toBe('network')
    expect((outcome as { cause: Error }).cause.message).toMatch(/"br", which was not asked/)
  })

  it('should time out a server that answers the headers and then stalls', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': 10 })
      res.write('{"a":')
    })

    const started = Date.now()
    expect(await exchange(url, { timeoutMs: 150 })).toEqual({ kind: 'timeout' })
    expect(Date.now() - started).toBeLessThan(1_500)
  })

  it('should report a connection dropped mid-body as a network error', async () => {
    const url = await serve((req, res) => {
      res.writeHead(200, { 'Content-Length': 100 })
      res.write('{"a":')
      setTimeout(() => req.socket.destroy(), 20)
    })

    expect((await exchange(url)).kind).toBe('network')
  })

  it('should end at once when the signal aborts, and send nothing when it already has', async () => {
    let requests = 0
    const url = await serve(() => {
      requests++
    })

    const controller = new AbortController()
    const pending = exchange(url, { signal: controller.signal })
    setTimeout(() => {
      controller.abort()
    }, 50)
    expect(await pending).toEqual({ kind: 'aborted' })
    expect(await exchange(url, { signal: AbortSignal.abort() })).toEqual({ kind: 'aborted' })
    expect(requests).toBe(1)
  })

  it('should keep the connection alive between requests', async () => {
    const sockets = new Set<unknown>()
    const url = await serve((req, res) => {
      sockets.add(req.socket)
      res.end('{}')
    })

    for (let i = 0; i < 5; i++) expect(text(await exchange(url))).toBe('{}')

    expect(sockets.size).toBe(1)
  })

  it('should not follow a redirect: a client sees the 3xx as an http error, and the token stays home', async () => {
    let redirected = 0
    const elsewhere = await serve((_req, res) => {
      redirected++
      res.end('[]')
    })
    const url = await serve((_req, res: ServerResponse) => {
      res.writeHead(302, { Location: elsewhere.href })
      res.end()
    })

    const client = createMattermostClient({ url: url.origin, token: 'secret-token' })
    const teams = await client.listTeams()

    expect(teams._unsafeUnwrapErr()).toMatchObject({ kind: 'http', status: 302 })
    expect(redirected).toBe(0)
  })

  describe('over TLS', () => {
    const dir = mkdtempSync(join(tmpdir(), 'grouproles-tls-'))
    const key = join(dir, 'key.pem')
    const cert = join(dir, 'cert.pem')
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    )
    const pem = { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') }
    rmSync(dir, { recursive: true, force: true })
    const tls = () => createTlsServer(pem)

    it('should refuse a certificate no trusted authority signed', async () => {
      const url = await serve((_req, res) => res.end('{}'), tls)

      const outcome = await exchange(url)

      expect(outcome.kind).toBe('network')
      expect((outcome as { cause: Error }).cause.message).toMatch(/self-signed/)
    })

    it('should accept it when its authority is given as `ca`', async () => {
      const url = await serve((_req, res) => res.end('{"tls":true}'), tls)

      const trusting = nodeHttpTransport({ maxSockets: 1, ca: pem.cert })
      const outcome = await trusting({
        method: 'GET',
        url,
        headers: {},
        timeoutMs: 2_000,
        maxBodyBytes: 1_000,
      })

      expect(text(outcome)).toBe('{"tls":true}')
    })
  })
})
