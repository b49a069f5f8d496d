import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { planSync, writePlanFile, type SyncState } from '@grouproles/core'
import { parseRunId } from '../../src/commands/revert.js'
import { assets, runInProcess, schemaErrors, tempDir } from '../support/cli.js'

const demo = JSON.parse(readFileSync(assets('demo-mattermost.json'), 'utf8')) as SyncState

/** One error line on stderr (no stack trace) and the exit code. */
function expectOneLine(ran: { code: number; stderr: string }, code: number, pattern: RegExp) {
  expect(ran.code).toBe(code)
  expect(ran.stderr.trim().split('\n')).toHaveLength(1)
  expect(ran.stderr).toMatch(pattern)
  expect(ran.stderr).not.toMatch(/\n\s+at /)
}

describe('parseRunId', () => {
  it('should read every run id as written and nothing else', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(parseRunId(String(n))).toBe(n)
      }),
    )
    fc.assert(
      fc.property(fc.string(), (text) => {
        const n = parseRunId(text)
        // Only the canonical decimal form of a safe whole number from 1 reads as a run id.
        if (n !== undefined) expect(String(n)).toBe(text)
      }),
      { numRuns: 500 },
    )
    for (const bad of [
      undefined,
      '',
      '0',
      '01',
      '-1',
      '1.5',
      '1e3',
      ' 1',
      '0x1',
      '99999999999999999',
    ])
      expect(parseRunId(bad)).toBeUndefined()
  })
})

describe('grouproles revert: bad input (in process)', () => {
  it('should refuse a missing, malformed or extra run id with one line and exit 2', async () => {
    expectOneLine(await runInProcess(['revert', '--demo']), 2, /revert needs the run id/)
    for (const id of ['abc', '0', '1.5', '007', '12345678901234567'])
      expectOneLine(
        await runInProcess(['revert', id, '--demo']),
        2,
        new RegExp(`"${id.replace('.', '\\.')}" is not a run id`),
      )
    expectOneLine(await runInProcess(['revert', '1', '2', '--demo']), 2, /unexpected argument "2"/)
    expectOneLine(await runInProcess(['revert', '1', '--ldif', 'x']), 2, /Unknown option '--ldif'/)
  })

  it('should need a config and a Mattermost, and refuse an empty signing key', async () => {
    expectOneLine(await runInProcess(['revert', '1']), 2, /revert needs --config FILE/)
    expectOneLine(
      await runInProcess(['revert', '1', '--config', assets('demo-config.json')]),
      2,
      /no Mattermost to sync/,
    )
    expectOneLine(
      await runInProcess(['revert', '1', '--demo'], { env: { GROUPROLES_PLAN_KEY: '' } }),
      2,
      /GROUPROLES_PLAN_KEY/,
    )
  })

  it('should refuse a run the journal does not have, as one JSON error with --json', async () => {
    // The demo's Mattermost is new in every process: its journal has no run.
    expectOneLine(await runInProcess(['revert', '1', '--demo']), 2, /run 1 is not in the journal/)
    const ran = await runInProcess(['revert', '3', '--demo', '--json', '--detailed-exitcode'])
    // Under --detailed-exitcode every error is 1 (2 means changes pending), as with plan.
    expect(ran.code).toBe(1)
    const doc = JSON.parse(ran.stdout) as unknown
    expect(await schemaErrors('error-output', doc)).toEqual([])
    expect(doc).toMatchObject({ error: { kind: 'badInput', code: 'unknownRun' } })
  })
})

describe('revert plan files (in process)', () => {
  const plan = planSync(demo)

  it('should show the revert marker, and apply a revert file only against its run', async () => {
    const cwd = tempDir()
    writeFileSync(join(cwd, 'r.json'), writePlanFile(plan, { revertOf: { runId: 4 } }))
    const shown = await runInProcess(['show', 'r.json', '--json'], { cwd })
    expect(shown.code).toBe(0)
    const doc = JSON.parse(shown.stdout) as unknown
    expect(await schemaErrors('show-output', doc)).toEqual([])
    expect(doc).toMatchObject({ revertOf: 4, integrity: 'intact' })
    expect((await runInProcess(['show', 'r.json'], { cwd })).stdout).toContain('Revert of run 4')
    // Applied without a directory: the run is looked up in the journal first.
    expectOneLine(
      await runInProcess(['apply', 'r.json', '--demo'], { cwd }),
      2,
      /run 4 is not in the journal/,
    )
  })

  it('should refuse a revert file whose marker was edited by hand', async () => {
    const cwd = tempDir()
    const raw = JSON.parse(writePlanFile(plan, { revertOf: { runId: 4 } })) as Record<
      string,
      unknown
    >
    raw['revertOf'] = { runId: 5 }
    writeFileSync(join(cwd, 'r.json'), JSON.stringify(raw))
    expectOneLine(await runInProcess(['apply', 'r.json', '--demo'], { cwd }), 1, /edited by hand/)
    raw['revertOf'] = { runId: 'five' }
    writeFileSync(join(cwd, 'r.json'), JSON.stringify(raw))
    expectOneLine(await runInProcess(['apply', 'r.json', '--demo'], { cwd }), 2, /revertOf\.runId/)
  })
})
