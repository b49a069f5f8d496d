import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { assets, schemaErrors, spawnBin, tempDir } from './support/cli.js'

const parse = (stdout: string): unknown => JSON.parse(stdout)
const noStack = (text: string) => {
  expect(text).not.toMatch(/\n\s+at /)
}

// Each --demo run starts an in-memory Postgres (PGlite): seconds on a loaded machine.
describe('grouproles (the built bin, spawned with plain node)', { timeout: 180_000 }, () => {
  it('should print --help in under a second, and per-command help and the version', async () => {
    const runs = [
      await spawnBin(['--help']),
      await spawnBin(['--help']),
      await spawnBin(['--help']),
    ]
    const fastest = Math.min(...runs.map((r) => r.ms))
    console.info(`grouproles --help: ${runs.map((r) => r.ms.toFixed(0)).join(', ')} ms`)
    expect(runs[0]?.code).toBe(0)
    expect(runs[0]?.stdout).toMatch(/^grouproles: keep Mattermost/)
    expect(fastest).toBeLessThan(1000)
    const planHelp = await spawnBin(['plan', '--help'])
    expect([planHelp.code, planHelp.stdout]).toEqual([
      0,
      expect.stringMatching(/^Usage: grouproles plan/),
    ])
    const version = await spawnBin(['--version', '--json'])
    expect(await schemaErrors('version-output', parse(version.stdout))).toEqual([])
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string
    }
    expect(parse(version.stdout)).toEqual({ kind: 'version', version: pkg.version })
  })

  it('should answer usage errors with one line and exit 2', async () => {
    for (const args of [['frobnicate'], ['plan', '--bogus'], ['show', 'a.json', 'b.json'], []]) {
      const r = await spawnBin(args)
      expect(r.code).toBe(2)
      noStack(r.stderr)
    }
    const unknown = await spawnBin(['frobnicate', '--json'])
    expect(await schemaErrors('error-output', parse(unknown.stdout))).toEqual([])
  })

  it('should plan the demo, write the plan file relative to the caller, show it and apply it', async () => {
    const cwd = tempDir()
    const plan = await spawnBin(['plan', '--demo', '--out', 'plan.json', '--json'], { cwd })
    expect(plan.code).toBe(0)
    const doc = parse(plan.stdout) as { changes: boolean; summary: { commands: number } }
    expect(await schemaErrors('plan-output', doc)).toEqual([])
    expect(doc.changes).toBe(true)
    expect(doc.summary.commands).toBe(12)
    expect(plan.stderr).toBe('')
    // The file is where the caller is, not where the package is.
    const saved = JSON.parse(readFileSync(join(cwd, 'plan.json'), 'utf8')) as {
      warnings: { kind: string; message: string }[]
    }
    // An LDIF export has no freshness marker (contextCSN): said once.
    expect(saved.warnings.map((w) => w.kind)).toEqual([
      'unknownChannel',
      'unknownTeam',
      'noFreshnessMarker',
    ])

    const show = await spawnBin(['show', 'plan.json'], { cwd })
    expect(show.code).toBe(0)
    expect(show.stdout).toMatch(/12 commands .*; 3 warnings\n/)
    expect(show.stdout).toContain('Directory and rule warnings (3)\n  - rule 1: group mm_rl_docs')
    expect(show.stdout).toMatch(/Summary: 12 changes, 0 held, 3 warnings\n$/)
    const showJson = await spawnBin(['show', 'plan.json', '--json'], { cwd })
    expect(await schemaErrors('show-output', parse(showJson.stdout))).toEqual([])

    const apply = await spawnBin(['apply', 'plan.json', '--demo', '--json'], { cwd })
    expect(apply.code).toBe(0)
    const applied = parse(apply.stdout) as { summary: unknown }
    expect(await schemaErrors('apply-output', applied)).toEqual([])
    expect(applied.summary).toEqual({ done: 12, already: 0, failed: 0 })
  })

  it('should exit 2 with --detailed-exitcode when changes are pending, and refuse a stale plan with 1', async () => {
    const cwd = tempDir()
    const plan = await spawnBin(['plan', '--demo', '--detailed-exitcode', '--out', 'p.json'], {
      cwd,
    })
    expect(plan.code).toBe(2)
    expect(plan.stderr).toContain('planned 12 changes')
    const file = join(cwd, 'p.json')
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        /"targetFingerprint": "[0-9a-f]{16}"/,
        '"targetFingerprint": "0123456789abcdef"',
      ),
    )
    const stale = await spawnBin(['apply', 'p.json', '--demo', '--json'], { cwd })
    expect(stale.code).toBe(1)
    const error = parse(stale.stdout)
    expect(await schemaErrors('error-output', error)).toEqual([])
    expect(error).toMatchObject({ error: { kind: 'failure', code: 'editedPlan' } })
  })

  it('should explain the demo with --json', async () => {
    const r = await spawnBin([
      'explain',
      '--demo',
      '--user',
      'bob',
      '--team',
      'rl',
      '--channel',
      'infrastructure',
      '--json',
    ])
    expect(r.code).toBe(0)
    const doc = parse(r.stdout) as { role: string; lines: string[] }
    expect(await schemaErrors('explain-output', doc)).toEqual([])
    expect(doc.role).toBe('admin')
    expect(doc.lines.join('\n')).toContain(
      'member via mm_rl_infrastructure_admins > rl_infra_leads',
    )
  })

  it('should answer every bad input with one clear line and exit 2, never a stack trace', async () => {
    const cwd = tempDir()
    const config = readFileSync(assets('demo-config.json'), 'utf8')
    const ldif = readFileSync(assets('demo-directory.ldif'), 'utf8')
    const write = (name: string, text: string) => {
      writeFileSync(join(cwd, name), text)
    }
    write('config.json', config)
    write('syntax.json', config.replace('"matchBy"', '"password": "hunter2" "matchBy"'))
    write('rule.json', config.replace('"pattern": "mm_{team}", ', '"pattern": "mm_{tem}", '))
    write('nogroup.json', config.replace('"pattern": "mm_{team}", ', '"pattern": "grp-{team}", '))
    write(
      'filter.json',
      config.replace(
        '"baseDn": "dc=rockylinux,dc=org"',
        '"baseDn": "dc=rockylinux,dc=org", "groupFilter": "(objectClass=nothing)"',
      ),
    )
    write('broken.ldif', `${ldif.slice(0, 200)}\nthis is not ldif\n`)
    write(
      'users-only.ldif',
      ldif
        .split('\n\n')
        .filter((r) => !r.includes('cn=groups,cn=accounts'))
        .join('\n\n'),
    )
    // Mattermost is never reached for these: the input is refused first.
    const env = { DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' }
    const cases: [string[], RegExp][] = [
      [
        ['plan', '--config', 'missing.json', '--ldif', 'x.ldif'],
        /^grouproles: cannot read the config file missing\.json: ENOENT/,
      ],
      [
        ['plan', '--config', 'syntax.json', '--ldif', 'x.ldif'],
        /^grouproles: syntax\.json:\d+:\d+: not valid JSON: /,
      ],
      [
        ['plan', '--config', 'rule.json', '--ldif', 'x.ldif'],
        /^grouproles: rule\.json: rules\[1\]\.pattern: must contain \{team\}\n$/,
      ],
      [
        ['plan', '--config', 'config.json', '--ldif', 'missing.ldif'],
        /^grouproles: cannot read the LDIF export missing\.ldif: ENOENT/,
      ],
      [
        ['plan', '--config', 'config.json', '--ldif', 'broken.ldif'],
        /^grouproles: broken\.ldif:\d+: expected "attribute: value"/,
      ],
      [
        ['plan', '--config', 'config.json', '--ldif', 'users-only.ldif'],
        /^grouproles: users-only\.ldif: no groups under .* set ldap\.allowEmpty/,
      ],
      [['show', 'missing-plan.json'], /^grouproles: cannot read the plan file missing-plan\.json/],
      [['show', 'config.json'], /^grouproles: config\.json: no "format": "grouproles-plan"/],
      [
        ['plan', '--config', 'config.json', '--ldif', 'broken.ldif', '--demo-db'],
        /^grouproles: plan: Unknown option '--demo-db'/,
      ],
    ]
    for (const [args, expected] of cases) {
      const r = await spawnBin(args, { cwd, env })
      expect({ args, code: r.code }).toEqual({ args, code: 2 })
      // Progress lines may come first; the error is one line of its own.
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('grouproles:'))
      expect(errors).toHaveLength(1)
      expect(`${errors[0] ?? ''}\n`).toMatch(expected)
      expect(r.stderr).not.toContain('hunter2')
      noStack(r.stderr)
    }
    // A filter that matches no group, and a rule that matches none: errors unless --allow-empty.
    write('directory.ldif', ldif)
    const emptyFilter = await spawnBin(
      ['plan', '--config', 'filter.json', '--ldif', 'directory.ldif'],
      { cwd, env },
    )
    expect(emptyFilter.stderr).toMatch(
      /^grouproles: directory\.ldif: no groups under .* match \(objectClass=nothing\)/m,
    )
    expect(emptyFilter.code).toBe(2)
    const noGroup = await spawnBin(
      ['plan', '--demo', '--config', 'nogroup.json', '--ldif', 'directory.ldif'],
      { cwd },
    )
    expect(noGroup.stderr).toMatch(
      /^grouproles: rule 2: the pattern grp-\{team\} matches no group \(pass --allow-empty/m,
    )
    expect(noGroup.code).toBe(2)
    const allowed = await spawnBin(
      ['plan', '--demo', '--config', 'nogroup.json', '--ldif', 'directory.ldif', '--allow-empty'],
      { cwd },
    )
    expect(allowed.code).toBe(0)
  })

  it('should write a starter config with init that names its schema, and not overwrite it', async () => {
    const cwd = tempDir()
    const r = await spawnBin(['init', '--json'], { cwd })
    expect(r.code).toBe(0)
    expect(await schemaErrors('init-output', parse(r.stdout))).toEqual([])
    const text = readFileSync(join(cwd, 'grouproles.json'), 'utf8')
    expect(text).toMatch(/"\$schema": ".*node_modules|"\$schema": "\.\.?\//)
    expect(text).toContain('// grouproles config')
    const again = await spawnBin(['init'], { cwd })
    expect([again.code, again.stderr.trim()]).toEqual([
      2,
      'grouproles: grouproles.json exists already (pass --force to overwrite it)',
    ])
  })
})
