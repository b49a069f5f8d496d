import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { runSync, type GroupSource } from '@grouproles/core'
import { okAsync } from 'neverthrow'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createMattermostClient,
  loadSyncState,
  MattermostSyncTarget,
  type MattermostClientConfig,
} from '../src/index.js'

/*
 * A hostile Mattermost as a tiny local HTTP server: it pages the users listing forever (every page
 * full, every row new), or never answers, or answers with a huge body. Every other listing is
 * empty. It records what it was asked.
 */
type Behaviour = 'pagesForever' | 'neverAnswers' | 'hugeBody' | 'hugeDeclaredBody'

interface Hostile {
  url: string
  readonly requests: { readonly method: string; readonly path: string }[]
  /** Connections the server saw closed by the client while their request was unanswered. */
  abandoned: number
}

const servers: Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise((resolve) => s.close(resolve))
  }
})

const userId = (n: number): string => `u${String(n).padStart(25, '0')}`

async function hostile(behaviour: Behaviour): Promise<Hostile> {
  const state: Hostile = { url: '', requests: [], abandoned: 0 }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x')
    state.requests.push({ method: req.method ?? '', path: url.pathname })
    const json = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (url.pathname !== '/api/v4/users') {
      json([])
      return
    }
    if (behaviour === 'neverAnswers') {
      res.on('close', () => {
        if (!res.writableEnded) state.abandoned++
      })
      return
    }
    if (behaviour === 'hugeDeclaredBody') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 50_000_000 })
      res.write('[')
      return
    }
    if (behaviour === 'hugeBody') {
      // 40 MB in chunks, no Content-Length: only counting while streaming can stop it.
      res.writeHead(200, { 'content-type': 'application/json' })
      const chunk = `${JSON.stringify({ id: userId(0), username: 'x'.repeat(1000), delete_at: 0 })},`
      let sent = 0
      const pump = (): void => {
        while (sent < 40_000_000) {
          sent += chunk.length
          if (!res.write(chunk)) {
            res.once('drain', pump)
            return
          }
        }
        res.end('{}]')
      }
      res.write('[')
      res.on('close', () => (sent = Number.POSITIVE_INFINITY))
      pump()
      return
    }
    const page = Number(url.searchParams.get('page') ?? 0)
    json(
      Array.from({ length: 200 }, (_, i) => ({
        id: userId(page * 200 + i),
        username: `user${page * 200 + i}`,
        delete_at: 0,
      })),
    )
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return state
}

const client = (h: Hostile, extra: Partial<MattermostClientConfig> = {}) =>
  createMattermostClient({ url: h.url, token: 'secret-token', baseDelayMs: 1, ...extra })

describe('bounded reads of Mattermost', () => {
  it('should refuse a listing that pages forever at maxPagesPerListing', async () => {
    const h = await hostile('pagesForever')
    const r = await client(h, { maxPagesPerListing: 30 }).listUsers()
    expect(r._unsafeUnwrapErr()).toMatchObject({
      kind: 'readLimit',
      limit: 'pages',
      max: 30,
      path: '/users',
    })
    // Pages past the limit are never asked for.
    expect(h.requests.filter((q) => q.path === '/api/v4/users').length).toBeLessThanOrEqual(30)
  })

  it('should refuse the same server through loadSyncState, by pages or by requests in all', async () => {
    const h = await hostile('pagesForever')
    // A deadline past what a timer can wait is no deadline, not an immediate one.
    const byPages = await loadSyncState(client(h, { maxPagesPerListing: 50 }), {
      groups: 'none',
      limits: { deadlineMs: Number.MAX_SAFE_INTEGER },
    })
    expect(byPages._unsafeUnwrapErr()).toMatchObject({ kind: 'readLimit', limit: 'pages' })
    const before = h.requests.length
    const byRequests = await loadSyncState(client(h), {
      groups: 'none',
      limits: { maxRequests: 25 },
    })
    expect(byRequests._unsafeUnwrapErr()).toMatchObject({
      kind: 'readLimit',
      limit: 'requests',
      max: 25,
    })
    expect(h.requests.length - before).toBeLessThanOrEqual(25)
  })

  it('should end a read at limits.deadlineMs on a server that never answers, aborting what is in flight', async () => {
    const h = await hostile('neverAnswers')
    const started = Date.now()
    const r = await loadSyncState(client(h, { timeoutMs: 60_000 }), {
      groups: 'none',
      limits: { deadlineMs: 300 },
    })
    expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'readLimit', limit: 'deadline', max: 300 })
    // Long before the per-request timeout.
    expect(Date.now() - started).toBeLessThan(10_000)
    for (let i = 0; i < 100 && h.abandoned === 0; i++) await new Promise((r) => setTimeout(r, 10))
    expect(h.abandoned).toBeGreaterThan(0)
  })

  it('should refuse a body past maxBodyBytes, announced or streamed', async () => {
    for (const behaviour of ['hugeBody', 'hugeDeclaredBody'] as const) {
      const h = await hostile(behaviour)
      const r = await client(h, { maxBodyBytes: 1024 * 1024 }).listUsers()
      expect(r._unsafeUnwrapErr()).toMatchObject({
        kind: 'readLimit',
        limit: 'bodyBytes',
        max: 1024 * 1024,
      })
      // Refused, not retried: the same answer would come again.
      expect(h.requests.filter((q) => q.path === '/api/v4/users')).toHaveLength(1)
    }
  })

  it('should apply nothing when the Mattermost read hits a limit (runSync)', async () => {
    const h = await hostile('pagesForever')
    const target = new MattermostSyncTarget(client(h, { maxPagesPerListing: 20 }), {
      groups: 'none',
    })
    const groups: GroupSource<never> = {
      loadGroups: () => okAsync({ groups: [], links: [], managed: [], warnings: [] }),
    }
    const r = await runSync({ groups, target }, {}, { apply: true })
    expect(r._unsafeUnwrapErr().cause).toMatchObject({
      side: 'target',
      error: { kind: 'readLimit', limit: 'pages' },
    })
    expect(h.requests.every((q) => q.method === 'GET')).toBe(true)
  })
})
