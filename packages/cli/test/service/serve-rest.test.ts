import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { SyncState } from '@grouproles/core'
import { FakeMattermost } from '@grouproles/adapter-mattermost/testing'
import { assets, bin, tempDir } from '../support/cli.js'

const demoState = JSON.parse(readFileSync(assets('demo-mattermost.json'), 'utf8')) as SyncState

// The built bin, spawned as a user runs it: `grouproles serve` on the REST API with no DATABASE_URL.
describe('grouproles serve on the REST API (the built bin)', { timeout: 120_000 }, () => {
  it('should take its run lock on the store, apply, turn /healthz 200 and stop on SIGTERM', async () => {
    const fake = await FakeMattermost.start({ settings: { edition: 'team' } })
    fake.seed({
      ...demoState,
      teams: demoState.teams.map((t) => ({ ...t, groupConstrained: false })),
      channels: demoState.channels.map((c) => ({ ...c, groupConstrained: false })),
    })
    const cwd = tempDir()
    const config = JSON.parse(readFileSync(assets('demo-config.json'), 'utf8')) as object
    writeFileSync(join(cwd, 'grouproles.json'), JSON.stringify({ ...config, manage: ['rl'] }))
    const child = spawn(
      process.execPath,
      [
        bin,
        'serve',
        '--config',
        'grouproles.json',
        '--ldif',
        assets('demo-directory.ldif'),
        '--apply',
        '--interval',
        '3600',
        '--port',
        '0',
      ],
      {
        cwd,
        env: {
          PATH: process.env['PATH'] ?? '',
          MATTERMOST_URL: fake.url,
          MATTERMOST_TOKEN: fake.token,
        },
      },
    )
    const lines: { msg?: string; port?: number; level?: number }[] = []
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    let buffered = ''
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString()
      const parts = buffered.split('\n')
      buffered = parts.pop() ?? ''
      for (const p of parts) if (p.trim() !== '') lines.push(JSON.parse(p) as (typeof lines)[0])
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    try {
      const waitFor = async (check: () => boolean, what: string) => {
        for (let i = 0; i < 600 && !check(); i++) await new Promise((r) => setTimeout(r, 100))
        if (!check()) throw new Error(`timed out waiting for ${what}; stderr: ${stderr}`)
      }
      await waitFor(
        () => lines.some((l) => l.msg === 'grouproles service listening'),
        'the service to listen',
      )
      const port = lines.find((l) => l.msg === 'grouproles service listening')?.port
      const base = `http://127.0.0.1:${String(port)}`
      await waitFor(() => lines.some((l) => l.msg?.startsWith('sync applied') === true), 'a run')
      expect((await fetch(`${base}/healthz`)).status).toBe(200)
      const metrics = await (await fetch(`${base}/metrics`)).text()
      expect(metrics).toContain('grouproles_sync_runs_total{outcome="applied"} 1')
      // serve's default removal grace (2 runs): the first run holds its two removals as pending.
      expect(metrics).toContain('grouproles_sync_held_commands{hold="pendingRemoval"} 2')
      expect(metrics).toContain('grouproles_sync_changes_total{kind="removeTeamMember"} 0')
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
      expect(stderr).toBe('')
    } finally {
      child.kill('SIGKILL')
      await fake.close()
    }
  })
})
