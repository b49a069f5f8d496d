import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { fetchTransport } from '../src/index.js'

let server: Server | undefined
afterEach(async () => {
  const s = server
  server = undefined
  if (s === undefined) return
  s.closeAllConnections()
  await new Promise<void>((resolve) => {
    s.close(() => {
      resolve()
    })
  })
})

async function serve(handler: RequestListener): Promise<URL> {
  server = createServer(handler)
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v4/x`)
}

const transport = fetchTransport(globalThis.fetch)
const exchange = (url: URL, more: Partial<Parameters<typeof transport>[0]> = {}) =>
  transport({ method: 'GET', url, headers: {}, timeoutMs: 2_000, maxBodyBytes: 1_000, ...more })

describe('fetchTransport', () => {
  it('should give status, headers and text of an answer, and send the body', async () => {
    let got = ''
    const url = await serve((req, res) => {
      req.on('data', (c: Buffer) => (got += c.toString()))
      req.on('end', () => {
        res.writeHead(404, { 'Content-Type': 'application/json' })
        res.end('{"id":"x"}')
      })
    })

    const outcome = await exchange(url, { method: 'POST', body: '["a"]' })

    expect(outcome).toMatchObject({ kind: 'answer', status: 404, text: '{"id":"x"}' })
    expect(outcome.kind === 'answer' && outcome.header('content-type')).toBe('application/json')
    expect(got).toBe('["a"]')
  })

  it('should refuse a body past the limit, declared or streamed', async () => {
    const url = await serve((req, res) => {
      if (req.url?.includes('declared') === true) res.writeHead(200, { 'Content-Length': 5_000 })
      res.end('x'.repeat(5_000))
    })

    expect(await exchange(new URL('?declared', url))).toEqual({ kind: 'tooLarge' })
    expect(await exchange(new URL('?streamed', url))).toEqual({ kind: 'tooLarge' })
  })

  it('should tell a timeout, an abort and a refused connection apart', async () => {
    const url = await serve(() => undefined)
    const controller = new AbortController()
    setTimeout(() => {
      controller.abort()
    }, 50)

    expect(await exchange(url, { timeoutMs: 100 })).toEqual({ kind: 'timeout' })
    expect(await exchange(url, { signal: controller.signal })).toEqual({ kind: 'aborted' })
    expect((await exchange(new URL('http://127.0.0.1:1/'))).kind).toBe('network')
  })
})
