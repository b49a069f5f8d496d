import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runCli } from './cli.js'

const example = (file: string) => fileURLToPath(new URL(`../rocky-linux/${file}`, import.meta.url))
/** `grouproles plan` of the Rocky Linux example against the in-memory Mattermost, into `planFile`. */
const planArgs = (planFile: string) => [
  'plan',
  '--config',
  example('config.json'),
  '--ldif',
  example('directory.ldif'),
  '--out',
  planFile,
  '--demo-db',
]
const capture = () => {
  const out: string[] = []
  const err: string[] = []
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err }
}

// PGlite starts in seconds on a loaded machine; each test creates one.
describe('runCli', { timeout: 120_000 }, () => {
  it('should plan from an LDIF export, write the plan file, and apply it as written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grouproles-cli-'))
    const planFile = join(dir, 'plan.json')
    const plan = capture()
    expect(await runCli(planArgs(planFile), {}, plan.io)).toBe(0)
    expect(plan.out.join('\n')).toMatch(/\+ add as admin\s+bob/)
    expect(plan.out.join('\n')).toContain(`grouproles apply ${planFile}`)
    const apply = capture()
    expect(await runCli(['apply', planFile, '--demo-db'], {}, apply.io)).toBe(0)
    // The reviewed table comes first, then what was applied.
    expect(apply.out[0]).toMatch(/^Plan [0-9a-f]{16} /)
    expect(apply.out.join('\n')).toMatch(/team rl\n.*\n.*\n.*- remove\s+carol\s+in no group linked/)
    expect(apply.out.at(-1)).toBe('applied: 10 done or already, 0 failed')
  })

  it('should show a saved plan per team/channel with names and reasons, without a Mattermost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grouproles-cli-'))
    const planFile = join(dir, 'plan.json')
    await runCli(planArgs(planFile), {}, capture().io)
    const show = capture()
    expect(await runCli(['show', planFile], {}, show.io)).toBe(0)
    const text = show.out.join('\n')
    expect(text).toMatch(/^Plan [0-9a-f]{16} \(Mattermost state [0-9a-f]{16}\)\n10 commands/)
    expect(text).toMatch(
      /channel infrastructure\n {2}v demote to member alice +demote: in no scheme-admin group linked here\n {2}\+ add as admin +bob +auto-add via mm_rl_infrastructure; admin via mm_rl_infrastructure_admins/,
    )
    expect(text).toMatch(/team resf\n {2}\+ add as member +alice/)
    expect(show.err).toEqual([])

    const missing = capture()
    expect(await runCli(['show'], {}, missing.io)).toBe(2)
    expect(missing.err[0]).toMatch(/plan file is missing/)
    writeFileSync(join(dir, 'junk.json'), '{"format": "other"}')
    const junk = capture()
    expect(await runCli(['show', join(dir, 'junk.json')], {}, junk.io)).toBe(2)
    expect(junk.err[0]).toMatch(/not a grouproles plan file/)
  })

  it('should refuse a stale plan with a clear message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grouproles-cli-'))
    const planFile = join(dir, 'plan.json')
    await runCli(planArgs(planFile), {}, capture().io)
    writeFileSync(
      planFile,
      readFileSync(planFile, 'utf8').replace(
        /"targetFingerprint": "[0-9a-f]{16}"/,
        '"targetFingerprint": "0123456789abcdef"',
      ),
    )
    const apply = capture()
    expect(await runCli(['apply', planFile, '--demo-db'], {}, apply.io)).toBe(1)
    expect(apply.err[0]).toMatch(/^refused: .*plan again and review/)
  })

  it('should explain an admin role with the nesting path', async () => {
    const r = capture()
    expect(
      await runCli(
        [
          'explain',
          '--config',
          example('config.json'),
          '--ldif',
          example('directory.ldif'),
          '--user',
          'bob',
          '--team',
          'rl',
          '--channel',
          'infrastructure',
          '--demo-db',
        ],
        {},
        r.io,
      ),
    ).toBe(0)
    expect(r.out.join('\n')).toContain('member via mm_rl_infrastructure_admins > rl_infra_leads')
  })

  it('should answer usage and config errors with exit code 2', async () => {
    expect(await runCli([], {}, capture().io)).toBe(2)
    const noTarget = capture()
    expect(await runCli(['plan', '--config', example('config.json')], {}, noTarget.io)).toBe(2)
    expect(noTarget.err[0]).toMatch(/set DATABASE_URL/)
    const dir = mkdtempSync(join(tmpdir(), 'grouproles-cli-'))
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({
        matchBy: 'username',
        rules: [{ kind: 'pattern', pattern: 'mm_{team}', adminSuffix: 7 }],
        ldap: {},
      }),
    )
    const bad = capture()
    expect(await runCli(['plan', '--config', join(dir, 'bad.json'), '--demo-db'], {}, bad.io)).toBe(
      2,
    )
    expect(bad.err[0]).toMatch(/config.rules/)
    writeFileSync(
      join(dir, 'typo.json'),
      readFileSync(example('config.json'), 'utf8').replace('"policy"', '"polcy"'),
    )
    const typo = capture()
    expect(
      await runCli(['plan', '--config', join(dir, 'typo.json'), '--demo-db'], {}, typo.io),
    ).toBe(2)
    expect(typo.err[0]).toMatch(/config.polcy: unknown key/)
    expect(await runCli(['plan', '--bogus'], {}, capture().io)).toBe(2)
  })
})
