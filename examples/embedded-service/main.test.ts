import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const examples = fileURLToPath(new URL('..', import.meta.url))

/** Runs the service's entry point as `pnpm service` does; resolves with its exit code and stderr. */
function service(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@grouproles/source', '--import', 'tsx', 'embedded-service/main.ts'],
      { cwd: examples, env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : (error.code as number | null), stdout, stderr })
      },
    )
  })
}

describe('embedded-service/main', { timeout: 120_000 }, () => {
  it('should refuse to start on a bad SYNC_INTERVAL_SECONDS (exit 2, naming the variable)', async () => {
    const r = await service({
      DATABASE_URL: 'postgres://x@127.0.0.1:1/mm',
      SYNC_INTERVAL_SECONDS: '0',
    })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(
      'grouproles service: SYNC_INTERVAL_SECONDS: expected a number of seconds > 0, got "0"',
    )
  })

  it('should refuse to start on an unreadable GROUPROLES_CONFIG', async () => {
    const r = await service({
      DATABASE_URL: 'postgres://x@127.0.0.1:1/mm',
      GROUPROLES_CONFIG: '/nonexistent/grouproles.json',
      LOG_LEVEL: 'fatal',
    })
    expect(r.code).toBe(2)
    // pino: one JSON line on stdout.
    expect(r.stdout).toMatch(/"msg":"invalid config"/)
    expect(r.stdout).toContain('cannot read the config file /nonexistent/grouproles.json')
  })
})
