import { createServer, connect, type Socket } from 'node:net'
import { networkInterfaces } from 'node:os'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { SyncState } from '@grouproles/core'
import { FakeMattermost } from '@grouproles/adapter-mattermost/testing'
import { assets, spawnBin, tempDir } from './support/cli.js'

const demoState = JSON.parse(readFileSync(assets('demo-mattermost.json'), 'utf8')) as SyncState
const secret = 'pa55-Secret-xyz'
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('grouproles:'))

function writeConfig(extra: Record<string, unknown> = {}): string {
  const cwd = tempDir()
  const config = JSON.parse(readFileSync(assets('demo-config.json'), 'utf8')) as object
  writeFileSync(join(cwd, 'grouproles.json'), JSON.stringify({ ...config, ...extra }))
  return cwd
}
const plan = ['plan', '--config', 'grouproles.json', '--ldif', assets('demo-directory.ldif')]

/** This machine's first address that is not loopback (a container's eth0), if it has one. */
const outside = Object.values(networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address

/** Forwards `host`:port (any interface) to the fake on 127.0.0.1, so it is reached off loopback. */
async function forward(to: number): Promise<{ port: number; close(): void }> {
  const open = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(to, '127.0.0.1')
    for (const s of [client, upstream]) {
      open.add(s)
      s.on('close', () => open.delete(s))
    }
    client.pipe(upstream).pipe(client)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
  })
  const port = await new Promise<number>((resolve) => {
    server.listen(0, '0.0.0.0', () => {
      resolve((server.address() as { port: number }).port)
    })
  })
  return {
    port,
    close: () => {
      server.close()
      for (const s of open) s.destroy()
    },
  }
}

describe('the Mattermost transport (the built bin)', { timeout: 300_000 }, () => {
  it('refuses http:// to another host before any request, exit 2, one line saying what to do', async () => {
    const r = await spawnBin(plan, {
      cwd: writeConfig(),
      env: { MATTERMOST_URL: `http://admin:${secret}@mm.example.org`, MATTERMOST_TOKEN: 't0ken' },
    })
    expect(r.code).toBe(2)
    expect(errorLines(r.stderr)).toEqual([
      'grouproles: MATTERMOST_URL: refusing to send the token to http://***@mm.example.org in clear text: use https:// (http:// is only for 127.0.0.1, ::1 or localhost), or set insecure only for a lab (mattermost.insecure in the config, or MATTERMOST_INSECURE=1)',
    ])
    expect(r.stderr).not.toContain(secret)
    const bad = await spawnBin(plan, {
      cwd: writeConfig(),
      env: {
        MATTERMOST_URL: 'https://mm.example.org',
        MATTERMOST_TOKEN: 't0ken',
        MATTERMOST_INSECURE: 'maybe',
      },
    })
    expect([bad.code, errorLines(bad.stderr)]).toEqual([
      2,
      ['grouproles: MATTERMOST_INSECURE: expected 1/true or 0/false'],
    ])
  })

  it('prints no user info of MATTERMOST_URL: plan output and store use the URL without it', async () => {
    const fake = await FakeMattermost.start({ settings: { edition: 'team' } })
    try {
      fake.seed(demoState)
      const url = fake.url.replace('http://', `http://admin:${secret}@`)
      const r = await spawnBin(plan, {
        cwd: writeConfig(),
        env: { MATTERMOST_URL: url, MATTERMOST_TOKEN: fake.token },
      })
      expect(r.code).toBe(0)
      expect(r.stdout).toContain(
        `Mattermost: REST API ${fake.url.replace('http://', 'http://***@')} (store: `,
      )
      expect(r.stdout + r.stderr).not.toContain(secret)
    } finally {
      await fake.close()
    }
  })

  it.skipIf(outside === undefined)(
    'reaches an http:// server off loopback only when allowed, with one warning',
    async () => {
      const fake = await FakeMattermost.start({ settings: { edition: 'team' } })
      const proxy = await forward(Number(new URL(fake.url).port))
      try {
        fake.seed(demoState)
        const url = `http://${String(outside)}:${proxy.port}`
        const env = { MATTERMOST_URL: url, MATTERMOST_TOKEN: fake.token }
        const refused = await spawnBin(plan, { cwd: writeConfig(), env })
        expect([refused.code, errorLines(refused.stderr)]).toEqual([
          2,
          [expect.stringMatching(/^grouproles: MATTERMOST_URL: refusing to send the token/)],
        ])
        const warning = `warning: insecure Mattermost transport allowed by insecure: the token goes to ${url} in clear text over http://`
        for (const [extra, vars] of [
          [{}, { MATTERMOST_INSECURE: '1' }],
          [{ mattermost: { insecure: true } }, {}],
        ] as const) {
          const r = await spawnBin(plan, { cwd: writeConfig(extra), env: { ...env, ...vars } })
          console.info(`plan through ${url}: exit ${r.code} in ${r.ms.toFixed(0)} ms`)
          expect(r.code).toBe(0)
          expect(r.stderr.split('\n').filter((l) => l.startsWith('warning:'))).toEqual([warning])
        }
      } finally {
        proxy.close()
        await fake.close()
      }
    },
  )
})
