import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const examples = fileURLToPath(new URL('..', import.meta.url))

/** Runs the demo's entry point as `pnpm demo` does; resolves with its exit code and output. */
function demo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@grouproles/source', '--import', 'tsx', 'rocky-linux/main.ts', ...args],
      { cwd: examples, env: { PATH: process.env['PATH'] ?? '' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : (error.code as number | null), stdout, stderr })
      },
    )
  })
}

describe('rocky-linux/main', { timeout: 120_000 }, () => {
  it('should refuse contradicting and unknown flags with exit code 2', async () => {
    const both = await demo(['--apply', '--dry-run'])
    expect([both.code, both.stderr.trim()]).toEqual([
      2,
      '--apply and --dry-run contradict each other',
    ])
    const unknown = await demo(['--aply'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain(
      'usage: pnpm demo [--target rest] [--apply | --dry-run] [--config FILE]',
    )
    const target = await demo(['--target', 'grpc'])
    expect([target.code, target.stderr.trim()]).toEqual([
      2,
      '--target: expected "rest", got "grpc"',
    ])
  })

  it('should run pnpm demo --target rest to convergence, as a user types it', async () => {
    const r = await demo(['--target', 'rest'])
    expect([r.code, r.stderr]).toEqual([0, ''])
    expect(r.stdout).toMatch(/^Mattermost: in-process fake Mattermost \(Team Edition\)/m)
    expect(r.stdout).toContain('Applied from the plan file: ')
    expect(r.stdout).toMatch(/Re-planned: 0 changes \(converged\)/)
  })

  it('should read --config and fail with exit code 2 when it cannot', async () => {
    const r = await demo(['--config', '/nonexistent/grouproles.json'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(
      /^demo failed \(config\): cannot read the config file \/nonexistent\/grouproles\.json/,
    )
  })
})
