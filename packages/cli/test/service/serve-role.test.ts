import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { SyncState } from '@grouproles/core'
import { assets, bin, spawnBin, tempDir } from '../support/cli.js'

const demoState = JSON.parse(readFileSync(assets('demo-mattermost.json'), 'utf8')) as SyncState
const token = 'role-token-0123456789abcdef'

function writeConfig(serve: Record<string, unknown>): string {
  const cwd = tempDir()
  const config = JSON.parse(readFileSync(assets('demo-config.json'), 'utf8')) as object
  writeFileSync(join(cwd, 'grouproles.json'), JSON.stringify({ ...config, serve }))
  return cwd
}
const args = ['serve', '--config', 'grouproles.json', '--ldif', assets('demo-directory.ldif')]

interface LogLine {
  readonly msg?: string
  readonly port?: number
  readonly rolePort?: number
  readonly http?: Record<string, number>
}

describe(
  'grouproles serve: /role and the HTTP limits (the built bin)',
  { timeout: 180_000 },
  () => {
    it('serves /role only on serve.role.port with the bearer token; the metrics port is GET/HEAD', async () => {
      const cwd = writeConfig({ role: { port: 0 }, maxConnections: 8, headersTimeoutMs: 2_000 })
      const child = spawn(
        process.execPath,
        [bin, ...args, '--demo', '--port', '0', '--interval', '3600'],
        { cwd, env: { PATH: process.env['PATH'] ?? '', GROUPROLES_ROLE_TOKEN: token } },
      )
      const lines: LogLine[] = []
      let stderr = ''
      let buffered = ''
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      child.stdout.on('data', (d: Buffer) => {
        buffered += d.toString()
        const parts = buffered.split('\n')
        buffered = parts.pop() ?? ''
        for (const p of parts) if (p.trim() !== '') lines.push(JSON.parse(p) as LogLine)
      })
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
      const waitFor = async (check: () => boolean, what: string) => {
        for (let i = 0; i < 900 && !check(); i++) await new Promise((r) => setTimeout(r, 100))
        if (!check()) throw new Error(`timed out waiting for ${what}; stderr: ${stderr}`)
      }
      try {
        await waitFor(() => lines.some((l) => l.msg === 'grouproles service listening'), 'listen')
        const started = lines.find((l) => l.msg === 'grouproles service listening')
        expect(started?.http).toEqual({
          maxConnections: 8,
          requestTimeoutMs: 10_000,
          headersTimeoutMs: 2_000,
          keepAliveTimeoutMs: 5_000,
        })
        const base = `http://127.0.0.1:${String(started?.port)}`
        const roleBase = `http://127.0.0.1:${String(started?.rolePort)}`
        expect(started?.rolePort).not.toBe(started?.port)
        await waitFor(() => lines.some((l) => l.msg?.startsWith('sync planned') === true), 'a run')

        const bob = demoState.users.find((u) => u.username === 'bob')?.id ?? ''
        const team = demoState.teams.find((t) => t.name === 'rl')?.id ?? ''
        const query = `/role?user=${bob}&team=${team}`
        const auth = { authorization: `Bearer ${token}` }
        expect((await fetch(`${base}${query}`, { headers: auth })).status).toBe(404)
        const post = await fetch(`${base}/healthz`, { method: 'POST' })
        expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD'])
        expect((await fetch(`${roleBase}${query}`)).status).toBe(401)
        expect(
          (await fetch(`${roleBase}${query}`, { headers: { authorization: `Bearer ${token}x` } }))
            .status,
        ).toBe(401)
        const role = await fetch(`${roleBase}${query}`, { headers: auth })
        expect(role.status).toBe(200)
        expect(await role.json()).toMatchObject({ role: expect.any(String) as unknown })
        const del = await fetch(`${roleBase}${query}`, { method: 'DELETE', headers: auth })
        expect(del.status).toBe(405)
        child.kill('SIGTERM')
        expect(await exited).toBe(0)
        expect(stderr).toBe('')
      } finally {
        child.kill('SIGKILL')
      }
    })

    it('refuses to start /role without a long enough token or on the metrics port', async () => {
      for (const [serve, env, expected] of [
        [
          { role: { port: 0 } },
          {},
          /serve\.role needs a bearer token of 16\+ characters in GROUPROLES_ROLE_TOKEN/,
        ],
        [{ role: { port: 0, tokenEnv: 'HOOK_TOKEN' } }, { HOOK_TOKEN: 'short' }, /in HOOK_TOKEN/],
        [
          { role: { port: 9555 } },
          { GROUPROLES_ROLE_TOKEN: token, PORT: '9555' },
          /needs its own port/,
        ],
        [
          { role: { port: 0, tokenEnv: 'not a name' } },
          {},
          /serve\.role\.tokenEnv: must be an environment variable name/,
        ],
        [
          { headersTimeoutMs: 20_000 },
          {},
          /serve\.headersTimeoutMs: must not exceed requestTimeoutMs/,
        ],
      ] as const) {
        const r = await spawnBin([...args, '--demo'], { cwd: writeConfig(serve), env })
        expect({ serve, code: r.code }).toEqual({ serve, code: 2 })
        expect(r.stderr).toMatch(expected)
        expect(r.stderr).not.toContain(token)
      }
    })
  },
)
