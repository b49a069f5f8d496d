import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, connect, Socket, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { readDirectory, type LdapDirectoryConfig } from '../src/index.js'
import { freeipaFixture } from './support/freeipa-fixture.js'
import { freePort, makeCertificate, startSlapd, type Slapd } from './support/slapd.js'
import { writeLdif } from './support/write-ldif.js'

const server = inject('ldap')
const describeServer = describe.runIf(server !== null)

function config(extra: Partial<LdapDirectoryConfig> = {}): LdapDirectoryConfig {
  if (server === null) throw new Error('no LDAP test server')
  return {
    url: server.url,
    bindDn: server.bindDn,
    password: server.password,
    preset: 'freeipa',
    baseDn: server.baseDn,
    pageSize: 100,
    timeoutMs: 5_000,
    connectTimeoutMs: 2_000,
    ...extra,
  }
}

/** Sockets of this process connected to `port` (destroyed ones no longer have a peer). */
function socketsTo(port: number): number {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles()
  return handles.filter((h) => h instanceof Socket && h.remotePort === port).length
}

function portsOf(c: LdapDirectoryConfig): number[] {
  return [c.url, ...(c.urls ?? [])].map((u) => Number(new URL(u).port))
}

/** "Always unbind": once the read has returned, no connection to any of its servers is left. */
async function expectNoSocketLeft(c: LdapDirectoryConfig): Promise<void> {
  const count = (): number => portsOf(c).reduce((n, p) => n + socketsTo(p), 0)
  // Closing is asynchronous by a tick or two; a leaked socket stays for good.
  for (let i = 0; i < 50 && count() > 0; i++) await new Promise((r) => setTimeout(r, 10))
  expect(count()).toBe(0)
}

async function failure(extra: Partial<LdapDirectoryConfig>): Promise<string> {
  const c = config(extra)
  const r = await readDirectory(c)
  if (r.isOk()) throw new Error('expected an error, got a snapshot')
  expect(JSON.stringify(r.error, (k, v: unknown) => (k === 'cause' ? undefined : v))).not.toContain(
    server?.password ?? '\u0000',
  )
  await expectNoSocketLeft(c)
  return r.error.kind
}

describeServer('readDirectory failures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grouproles-faults-'))
  const ldifFile = join(dir, 'fixture.ldif')
  const started: Slapd[] = []
  const start = async (name: string, sizeLimit?: string): Promise<Slapd> => {
    const s = await startSlapd({
      dir: join(dir, name),
      ldifFile,
      ...(sizeLimit !== undefined ? { sizeLimit } : {}),
    })
    started.push(s)
    return s
  }
  beforeAll(() => {
    writeFileSync(ldifFile, writeLdif(freeipaFixture()))
  })
  afterAll(async () => {
    for (const s of started) await s.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('should see a socket that is left open (the check the other tests rely on)', async () => {
    const c = config()
    const port = Number(new URL(c.url).port)
    const socket = connect(port, '127.0.0.1')
    await new Promise<void>((resolve) => socket.once('connect', resolve))
    expect(socketsTo(port)).toBe(1)
    socket.destroy()
    await expectNoSocketLeft(c)
  })

  it('should report a wrong password as invalidCredentials', async () => {
    expect(await failure({ password: 'wrong' })).toBe('invalidCredentials')
  })

  it('should refuse a certificate signed by another CA, or none', async () => {
    const other = makeCertificate(dir, 'other')
    const { readFileSync } = await import('node:fs')
    const wrongCa = readFileSync(other.cert, 'utf8')
    expect(await failure({ url: server?.ldapsUrl ?? '', tls: { ca: wrongCa } })).toBe('tls')
    expect(await failure({ url: server?.ldapsUrl ?? '' })).toBe('tls')
    expect(await failure({ tls: { ca: wrongCa, startTls: true } })).toBe('tls')
  })

  it('should report a closed port as unreachable, and fail over to the next URL', async () => {
    const closed = `ldap://127.0.0.1:${await freePort()}`
    expect(await failure({ url: closed })).toBe('unreachable')
    const both = config({ url: closed, urls: [server?.url ?? ''] })
    const r = await readDirectory(both)
    expect(r.isOk() && r.value.users.length).toBe(1207)
    await expectNoSocketLeft(both)
  })

  it('should report a missing base and an empty result instead of an empty snapshot', async () => {
    expect(await failure({ baseDn: 'dc=nowhere,dc=test' })).toBe('noSuchObject')
    expect(await failure({ userFilter: '(uid=nobody-is-called-this)' })).toBe('emptyDirectory')
    const allowed = config({ userFilter: '(uid=nobody-is-called-this)', allowEmpty: true })
    expect((await readDirectory(allowed)).isOk()).toBe(true)
    await expectNoSocketLeft(allowed)
  })

  it('should report a group filter that matches no group at all unless allowEmpty', async () => {
    const noGroups = { groupFilter: '(cn=no-group-is-called-this)' }
    const r = await readDirectory(config(noGroups))
    expect(r.isErr() ? r.error.message : '').toContain('no groups under cn=groups,cn=accounts')
    expect(await failure(noGroups)).toBe('emptyDirectory')
    const allowed = config({ ...noGroups, allowEmpty: true })
    const ok = await readDirectory(allowed)
    expect(ok.isOk() && [ok.value.groups.length, ok.value.users.length]).toEqual([0, 1207])
    await expectNoSocketLeft(allowed)
  })

  it('should fail on a server size limit that also caps paged searches', async () => {
    const limited = await start('limited', 'sizelimit size.soft=500 size.hard=500 size.prtotal=300')
    expect(await failure({ url: limited.url })).toBe('sizeLimit')
  })

  it('should time out on a server that stopped answering', async () => {
    const frozen = await start('frozen')
    process.kill(frozen.pid, 'SIGSTOP')
    try {
      expect(await failure({ url: frozen.url, timeoutMs: 300 })).toBe('timeout')
    } finally {
      process.kill(frozen.pid, 'SIGCONT')
    }
  })

  it('should refuse a read past limits.maxEntries or limits.maxBytes, with nothing left open', async () => {
    for (const [limits, limit] of [
      // A deadline past what a timer can wait is no deadline, not an immediate one.
      [{ maxEntries: 150, deadlineMs: Number.MAX_SAFE_INTEGER }, 'entries'],
      [{ maxBytes: 20_000 }, 'bytes'],
    ] as const) {
      const c = config({ limits })
      const r = await readDirectory(c)
      expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'readLimit', limit, url: c.url })
      await expectNoSocketLeft(c)
    }
    // The fixture itself is well within the defaults.
    expect((await readDirectory(config())).isOk()).toBe(true)
  })

  it('should end a read at limits.deadlineMs when the server drags it out past every timeout', async () => {
    const frozen = await start('dragging')
    process.kill(frozen.pid, 'SIGSTOP')
    const c = config({ url: frozen.url, timeoutMs: 60_000, limits: { deadlineMs: 400 } })
    const started = Date.now()
    try {
      const r = await readDirectory(c)
      expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'readLimit', limit: 'deadline', max: 400 })
      // Well before the per-operation timeout: the deadline closed the connections.
      expect(Date.now() - started).toBeLessThan(10_000)
      await expectNoSocketLeft(c)
    } finally {
      process.kill(frozen.pid, 'SIGCONT')
    }
  })

  it('should fail with connectionLost, not a partial snapshot, when slapd is killed mid-read', async () => {
    const victim = await start('victim')
    const upstreamPort = Number(new URL(victim.url).port)
    let bytes = 0
    let killed = false
    // A pass-through proxy that kills slapd once part of the paged user search has gone by.
    const proxy: Server = createServer((client) => {
      const upstream = connect(upstreamPort, '127.0.0.1')
      client.pipe(upstream)
      upstream.on('data', (d: Buffer) => {
        bytes += d.length
        client.write(d)
        if (bytes > 60_000 && !killed) {
          killed = true
          process.kill(victim.pid, 'SIGKILL')
        }
      })
      upstream.on('close', () => client.destroy())
      upstream.on('error', () => client.destroy())
      client.on('error', () => upstream.destroy())
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    const port = (proxy.address() as { port: number }).port
    try {
      expect(await failure({ url: `ldap://127.0.0.1:${port}`, pageSize: 50 })).toBe(
        'connectionLost',
      )
      expect(killed).toBe(true)
    } finally {
      proxy.close()
    }
  })
})
