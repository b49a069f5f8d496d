import { createServer, type Server } from 'node:net'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { assets, spawnBin, tempDir } from './support/cli.js'

const config = JSON.parse(readFileSync(assets('demo-config.json'), 'utf8')) as {
  ldap: Record<string, unknown>
}
const secret = 'pa55-Secret-xyz'
// Mattermost is never reached in these: the directory side is refused (or fails) first.
const noMattermost = { DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' }

function write(ldap: Record<string, unknown>): string {
  const cwd = tempDir()
  writeFileSync(
    join(cwd, 'grouproles.json'),
    JSON.stringify({ ...config, ldap: { ...config.ldap, ...ldap } }),
  )
  return cwd
}

const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('grouproles:'))
const noStack = (text: string) => {
  expect(text).not.toMatch(/\n\s+at /)
}

let listening: Server | undefined
afterEach(async () => {
  await new Promise<void>((resolve) => {
    if (listening === undefined) resolve()
    else
      listening.close(() => {
        resolve()
      })
  })
  listening = undefined
})

describe('the directory transport (the built bin)', { timeout: 120_000 }, () => {
  it('refuses a bind password over plain ldap:// and disabled certificate checks, exit 2, one line', async () => {
    const cases: [Record<string, unknown>, Record<string, string>, RegExp][] = [
      [
        { url: 'ldap://ipa.rockylinux.org' },
        {},
        /^grouproles: refusing an insecure LDAP transport: ldap:\/\/ipa\.rockylinux\.org sends the bind password in clear text \(use ldaps:\/\/ or tls\.startTls: true\); set insecure: true only for a lab \(ldap\.insecure in the config, or LDAP_INSECURE=1\)$/,
      ],
      [
        { tls: { rejectUnauthorized: false } },
        {},
        /^grouproles: refusing an insecure LDAP transport: tls\.rejectUnauthorized: false accepts any certificate/,
      ],
      // The variables override the config: LDAP_URL's user info is never shown.
      [
        {},
        { LDAP_URL: `ldap://admin:${secret}@ldap.example.org`, LDAP_PASSWORD: secret },
        /^grouproles: refusing an insecure LDAP transport: ldap:\/\/\*\*\*@ldap\.example\.org sends/,
      ],
      // insecure: true in the config, turned off again by the variable.
      [{ url: 'ldap://ipa.rockylinux.org', insecure: true }, { LDAP_INSECURE: '0' }, /insecure/],
    ]
    for (const [ldap, env, expected] of cases) {
      const r = await spawnBin(['plan', '--config', 'grouproles.json'], {
        cwd: write(ldap),
        env: { ...noMattermost, ...env },
      })
      expect({ ldap, code: r.code }).toEqual({ ldap, code: 2 })
      expect(errorLines(r.stderr)).toEqual([expect.stringMatching(expected)])
      expect(r.stderr).not.toContain(secret)
      noStack(r.stderr)
    }
    const json = await spawnBin(['plan', '--config', 'grouproles.json', '--json'], {
      cwd: write({ url: 'ldap://ipa.rockylinux.org' }),
      env: noMattermost,
    })
    expect(JSON.parse(json.stdout)).toMatchObject({
      kind: 'error',
      error: { kind: 'badInput', code: 'insecureTransport' },
    })
  })

  it('with insecure allowed, warns once on stderr and goes on to connect', async () => {
    // A closed port on this machine: the read fails as unreachable, after the warning.
    listening = createServer()
    const port = await new Promise<number>((resolve) => {
      listening?.listen(0, '127.0.0.1', () => {
        resolve((listening?.address() as { port: number }).port)
      })
    })
    await new Promise<void>((resolve) =>
      listening?.close(() => {
        resolve()
      }),
    )
    listening = undefined
    for (const [ldap, env] of [
      [
        { url: `ldaps://127.0.0.1:${port}`, tls: { rejectUnauthorized: false }, insecure: true },
        {},
      ],
      [
        { url: `ldaps://127.0.0.1:${port}`, tls: { rejectUnauthorized: false } },
        { LDAP_INSECURE: '1' },
      ],
    ] as const) {
      const r = await spawnBin(['plan', '--config', 'grouproles.json'], {
        cwd: write(ldap),
        env: { ...noMattermost, ...env },
      })
      const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning:'))
      expect(warnings).toEqual([
        'warning: insecure LDAP transport allowed by insecure: true: tls.rejectUnauthorized: false accepts any certificate, so any server could take the password (give tls.ca or tls.caFile instead)',
      ])
      expect(r.code).toBe(1)
      // Past the check: the run loads (and fails on whichever side answers first, both closed).
      expect(errorLines(r.stderr)).toEqual([expect.stringMatching(/^grouproles: loadFailed: /)])
    }
    const bad = await spawnBin(['plan', '--config', 'grouproles.json'], {
      cwd: write({}),
      env: { ...noMattermost, LDAP_INSECURE: 'yes' },
    })
    expect([bad.code, errorLines(bad.stderr)]).toEqual([
      2,
      ['grouproles: LDAP_INSECURE: expected 1/true or 0/false'],
    ])
  })

  it('refuses an empty password from the variable or the config instead of binding anonymously', async () => {
    const fromEnv = await spawnBin(['plan', '--config', 'grouproles.json'], {
      cwd: write({}),
      env: { ...noMattermost, LDAP_PASSWORD: '' },
    })
    expect([fromEnv.code, errorLines(fromEnv.stderr)]).toEqual([
      2,
      [
        'grouproles: LDAP_PASSWORD is set but empty: an empty password is an anonymous bind; set the password or unset the variable',
      ],
    ])
    const fromFile = await spawnBin(['plan', '--config', 'grouproles.json'], {
      cwd: write({ password: '' }),
      env: noMattermost,
    })
    expect([fromFile.code, errorLines(fromFile.stderr)]).toEqual([
      2,
      [
        'grouproles: grouproles.json: ldap.password: must not be empty (an empty password is an anonymous bind)',
      ],
    ])
    const cwd = write({ password: undefined, passwordFile: 'pw.txt' })
    writeFileSync(join(cwd, 'pw.txt'), '\n')
    const emptyFile = await spawnBin(['plan', '--config', 'grouproles.json'], {
      cwd,
      env: noMattermost,
    })
    expect([emptyFile.code, errorLines(emptyFile.stderr)]).toEqual([
      2,
      [expect.stringMatching(/ldap\.password: must not be empty/)],
    ])
  })

  it('shows no user info of LDAP_URL in the error of a URL with credentials', async () => {
    const r = await spawnBin(['plan', '--config', 'grouproles.json'], {
      cwd: write({}),
      env: { ...noMattermost, LDAP_URL: `ldaps://admin:${secret}@ldap.example.org` },
    })
    expect(r.code).toBe(2)
    expect(errorLines(r.stderr)).toEqual([expect.stringMatching(/url must not carry credentials/)])
    expect(r.stderr + r.stdout).not.toContain(secret)
  })
})

describe('the LDIF export (the built bin)', { timeout: 120_000 }, () => {
  it('refuses an export larger than ldap.limits.maxBytes before reading it, exit 2, one line', async () => {
    const cwd = write({ limits: { maxBytes: 1000 } })
    writeFileSync(join(cwd, 'big.ldif'), `dn: dc=x\ndescription: ${'x'.repeat(5000)}\n`)
    const r = await spawnBin(['plan', '--config', 'grouproles.json', '--ldif', 'big.ldif'], {
      cwd,
      env: noMattermost,
    })
    expect(r.code).toBe(2)
    expect(errorLines(r.stderr)).toEqual([
      'grouproles: the LDIF export big.ldif has 5023 bytes, more than ldap.limits.maxBytes (1000)',
    ])
    noStack(r.stderr)
  })
})
