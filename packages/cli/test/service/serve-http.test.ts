import { connect, type Socket } from 'node:net'
import type { Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { defaultHttpLimits } from '../../src/service/http-limits.js'
import { bearerTokenMatches, serveHttp } from '../../src/service/serve-http.js'

const servers: Server[] = []
const sockets: Socket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
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

async function start(limits: Parameters<typeof serveHttp>[2] = {}) {
  const server = await serveHttp(0, '127.0.0.1', limits, (url, _req, res) => {
    if (url.pathname === '/hello') {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end('hello')
      return
    }
    res.writeHead(404).end()
  })
  servers.push(server)
  const port = (server.address() as { port: number }).port
  return { server, port, base: `http://127.0.0.1:${port}` }
}

/** A raw client: the bytes it got, and when the server closed it (ms after opening). */
function rawSocket(port: number) {
  const started = performance.now()
  const socket = connect(port, '127.0.0.1')
  sockets.push(socket)
  let received = ''
  socket.on('data', (d: Buffer) => (received += d.toString()))
  socket.on('error', () => undefined)
  const closed = new Promise<number>((resolve) => {
    socket.on('close', () => {
      resolve(performance.now() - started)
    })
  })
  const opened = new Promise<void>((resolve) =>
    socket.once('connect', () => {
      resolve()
    }),
  )
  return { socket, closed, opened, received: () => received }
}

describe('serveHttp', () => {
  it('answers GET and HEAD, and every other method 405 with Allow: GET, HEAD', async () => {
    const { base } = await start()
    const get = await fetch(`${base}/hello`)
    expect([get.status, await get.text()]).toEqual([200, 'hello'])
    const head = await fetch(`${base}/hello`, { method: 'HEAD' })
    expect([head.status, await head.text()]).toEqual([200, ''])
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const r = await fetch(`${base}/hello`, { method })
      expect({ method, status: r.status }).toEqual({ method, status: 405 })
      expect(r.headers.get('allow')).toBe('GET, HEAD')
    }
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404)
  })

  it('closes connections beyond maxConnections at once, and serves again when one leaves', async () => {
    const { server, port, base } = await start({ maxConnections: 2 })
    expect(server.maxConnections).toBe(2)
    const held = [rawSocket(port), rawSocket(port)]
    await Promise.all(held.map((h) => h.opened))
    // Wait until the server counts both (accept is asynchronous).
    for (let i = 0; i < 100; i++) {
      const n = await new Promise<number>((r) =>
        server.getConnections((_e, c) => {
          r(c)
        }),
      )
      if (n === 2) break
      await new Promise((r) => setTimeout(r, 10))
    }
    const third = rawSocket(port)
    third.socket.write('GET /hello HTTP/1.1\r\nHost: x\r\n\r\n')
    expect(await third.closed).toBeLessThan(2_000)
    expect(third.received()).toBe('')
    held[0]?.socket.destroy()
    await held[0]?.closed
    for (let i = 0; i < 100; i++) {
      const n = await new Promise<number>((r) =>
        server.getConnections((_e, c) => {
          r(c)
        }),
      )
      if (n < 2) break
      await new Promise((r) => setTimeout(r, 10))
    }
    expect((await fetch(`${base}/hello`)).status).toBe(200)
  })

  it('drops a client that sends its headers too slowly (slowloris)', async () => {
    const { port } = await start({ headersTimeoutMs: 200, requestTimeoutMs: 400 })
    const slow = rawSocket(port)
    await slow.opened
    slow.socket.write('GET /hello HTTP/1.1\r\nHost: x\r\n')
    const t = await slow.closed
    expect(t).toBeGreaterThanOrEqual(150)
    expect(t).toBeLessThan(3_000)
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('closes an idle kept-alive connection after keepAliveTimeoutMs', async () => {
    const { port } = await start({ keepAliveTimeoutMs: 200 })
    const client = rawSocket(port)
    await client.opened
    client.socket.write('GET /hello HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n')
    const t = await client.closed
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 [\s\S]*hello/)
    expect(t).toBeLessThan(3_000)
  })

  it('uses the documented defaults, refuses impossible limits, and rejects a taken port', async () => {
    const { server, port } = await start()
    expect(defaultHttpLimits).toEqual({
      maxConnections: 64,
      requestTimeoutMs: 10_000,
      headersTimeoutMs: 5_000,
      keepAliveTimeoutMs: 5_000,
    })
    expect([
      server.maxConnections,
      server.requestTimeout,
      server.headersTimeout,
      server.keepAliveTimeout,
    ]).toEqual([64, 10_000, 5_000, 5_000])
    expect(() =>
      serveHttp(0, '127.0.0.1', { headersTimeoutMs: 2_000, requestTimeoutMs: 1_000 }, () => {}),
    ).toThrow(RangeError)
    expect(() => serveHttp(0, '127.0.0.1', { maxConnections: 0 }, () => {})).toThrow(RangeError)
    await expect(serveHttp(port, '127.0.0.1', {}, () => {})).rejects.toMatchObject({
      code: 'EADDRINUSE',
    })
  })
})

describe('bearerTokenMatches', () => {
  const token = 'a-long-enough-token-0123456789'
  it('takes exactly "Bearer <token>"', () => {
    expect(bearerTokenMatches(`Bearer ${token}`, token)).toBe(true)
    expect(bearerTokenMatches(`bearer  ${token} `, token)).toBe(true)
    for (const header of [
      undefined,
      '',
      token,
      `Basic ${token}`,
      `Bearer ${token}x`,
      `Bearer ${token.slice(1)}`,
      `Bearer ${token} extra`,
      'Bearer ',
    ])
      expect(bearerTokenMatches(header, token), String(header)).toBe(false)
  })
})
