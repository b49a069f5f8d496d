import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseConfigText, readConfig } from '../../src/config/read-config.js'
import { assets, tempDir } from '../support/cli.js'

const demo = readFileSync(assets('demo-config.json'), 'utf8')
const example = JSON.parse(demo) as Record<string, unknown> & { ldap: Record<string, unknown> }
const messageOf = (raw: unknown) =>
  parseConfigText(JSON.stringify(raw), '/etc/g.json', 'g.json')._unsafeUnwrapErr().message

describe('readConfig', () => {
  it('should read the demo config with the documented defaults', () => {
    const c = parseConfigText(demo, '/etc/grouproles/g.json')._unsafeUnwrap()
    expect(c.matchBy).toBe('username')
    expect(c.manage).toEqual([])
    expect(c.mattermost).toEqual({ defaultChannels: ['town-square', 'off-topic'] })
    expect(c.store).toEqual({ kind: 'dataDir', path: '/etc/grouproles/.grouproles/store' })
    expect(c.policy.limits).toEqual({ maxRemovals: 25, maxRemovalFraction: 0.5 })
  })

  it('should pass ldap.limits on to the reader and refuse unknown or non-positive ones', () => {
    const limits = { deadlineMs: 60_000, maxNestingDepth: 20 }
    const c = parseConfigText(
      JSON.stringify({ ...example, ldap: { ...example.ldap, limits } }),
      '/etc/g.json',
    )._unsafeUnwrap()
    expect(c.ldap.limits).toEqual(limits)
    expect(messageOf({ ...example, ldap: { ...example.ldap, limits: { maxRows: 3 } } })).toMatch(
      /^g\.json: ldap\.limits/,
    )
    expect(messageOf({ ...example, ldap: { ...example.ldap, limits: { maxEntries: 0 } } })).toMatch(
      /^g\.json: ldap\.limits\.maxEntries: /,
    )
  })

  it('should pass rules[].managers and ldap.attributes.manager on, and refuse other modes', () => {
    const c = parseConfigText(demo, '/etc/g.json')._unsafeUnwrap()
    // The demo config makes the managers of mm_{team}_{channel} groups admins.
    expect(c.rules[0]).toMatchObject({ kind: 'pattern', managers: 'admin' })
    const withAttribute = parseConfigText(
      JSON.stringify({ ...example, ldap: { ...example.ldap, attributes: { manager: ['owner'] } } }),
      '/etc/g.json',
    )._unsafeUnwrap()
    expect(withAttribute.ldap.attributes?.manager).toEqual(['owner'])
    expect(
      messageOf({
        ...example,
        rules: [{ kind: 'explicit', group: 'g', team: 't', managers: 'owner' }],
      }),
    ).toMatch(/^g\.json: rules\[0\]\.managers: /)
  })

  it('should keep mattermost.limits for the client and the loader', () => {
    const limits = { deadlineMs: 60_000, maxPagesPerListing: 100 }
    const c = parseConfigText(
      JSON.stringify({ ...example, mattermost: { limits } }),
      '/etc/g.json',
    )._unsafeUnwrap()
    expect(c.mattermost.limits).toEqual(limits)
    expect(messageOf({ ...example, mattermost: { limits: { maxBodyBytes: -1 } } })).toMatch(
      /^g\.json: mattermost\.limits\.maxBodyBytes: /,
    )
  })

  it('should accept comments and trailing commas, and resolve paths from the file and the caller', () => {
    const cwd = tempDir()
    mkdirSync(join(cwd, 'conf'))
    writeFileSync(join(cwd, 'conf', 'secret'), 'pw\n')
    const text = demo
      .replace('{', '{\n  // a comment\n  /* another */')
      .replace('"password": "set LDAP_PASSWORD; never stored here",', '"passwordFile": "secret",')
      .replace('"matchBy": "username",', '"matchBy": "username", "store": { "dataDir": "state" },')
    writeFileSync(join(cwd, 'conf', 'g.json'), text)
    const c = readConfig('conf/g.json', cwd)._unsafeUnwrap()
    expect(c.ldap.password).toBe('pw')
    expect(c.store).toEqual({ kind: 'dataDir', path: join(cwd, 'conf', 'state') })
  })

  it('should name the file and the path of a wrong value, never the value', () => {
    expect(messageOf({ ...example, polcy: {} })).toBe('g.json: polcy: unknown key')
    expect(messageOf({ ...example, matchBy: 'nickname' })).toMatch(/^g\.json: matchBy: /)
    expect(
      messageOf({
        ...example,
        rules: [
          { kind: 'pattern', pattern: 'mm_{team}' },
          { kind: 'pattern', pattern: 'mm_{x}' },
        ],
      }),
    ).toBe('g.json: rules[1].pattern: must contain {team}')
    expect(
      messageOf({
        ...example,
        rules: [{ kind: 'explicit', group: 'g', team: 't', manage: 'yes' }],
      }),
    ).toMatch(/^g\.json: rules\[0\]\.manage: /)
    expect(messageOf({ ...example, manage: ['rl/infra/x'] })).toBe(
      'g.json: manage[0]: must be "team" or "team/channel"',
    )
    expect(messageOf({ ...example, policy: { limits: { maxRemovalFraction: 7 } } })).toMatch(
      /^g\.json: policy\.limits\.maxRemovalFraction: /,
    )
    expect(messageOf({ ...example, store: { url: 'postgres://x', dataDir: 'y' } })).toBe(
      'g.json: store: give url or dataDir, not both',
    )
    const secret = messageOf({
      ...example,
      ldap: { ...example.ldap, password: 42, url: 'hunter2' },
    })
    expect(secret).toMatch(/^g\.json: ldap\.password: /)
    expect(secret).not.toContain('hunter2')
  })

  it('should point at file:line:column for a syntax error without echoing the text', () => {
    const text = '{\n  "ldap": { "password": "hunter2" }\n  "matchBy": "username"\n}'
    const e = parseConfigText(text, '/x/g.json', 'g.json')._unsafeUnwrapErr()
    expect(e).toEqual({
      kind: 'badInput',
      code: 'configSyntax',
      message: 'g.json:3:3: not valid JSON: comma expected',
    })
  })

  it('should never throw on arbitrary text or JSON: a config or a typed error', () => {
    const mutated = fc
      .tuple(fc.nat({ max: demo.length }), fc.nat({ max: 20 }), fc.string({ maxLength: 8 }))
      .map(([at, drop, insert]) => demo.slice(0, at) + insert + demo.slice(at + drop))
    fc.assert(
      fc.property(
        fc.oneof(
          mutated,
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify({ ...example, rules: v })),
        ),
        (text) => {
          const r = parseConfigText(text, '/x/g.json', 'g.json')
          if (r.isErr()) {
            expect(r.error.kind).toBe('badInput')
            expect(r.error.message).toMatch(/^g\.json[:]/)
            expect(r.error.message).not.toContain('\n')
          }
        },
      ),
      { numRuns: 2000 },
    )
  })
})

describe('readConfig: transports, secrets and the service', () => {
  it('never echoes the password, whatever the edit that broke the file', () => {
    const password = 'Zq7-hunter2-secret'
    const text = demo.replace('set LDAP_PASSWORD; never stored here', password)
    const at = text.indexOf(password)
    // Edits near the password: the likeliest place for a stray quote or comma beside it.
    const edit = fc
      .tuple(
        fc.integer({ min: Math.max(0, at - 40), max: at + password.length + 40 }),
        fc.nat({ max: 6 }),
        fc.constantFrom('"', ',', ':', '{', '}', '[', ']', ' ', '\n', '\\', '/*', '//', 'x', ''),
      )
      .map(([i, drop, insert]) => text.slice(0, i) + insert + text.slice(i + drop))
    fc.assert(
      fc.property(edit, (broken) => {
        const r = parseConfigText(broken, '/x/g.json', 'g.json')
        if (r.isErr()) expect(r.error.message).not.toMatch(/Zq7|hunter2|secret/)
      }),
      { numRuns: 1000 },
    )
  })

  it('refuses an empty password and takes insecure only as a boolean, where it was written', () => {
    expect(messageOf({ ...example, ldap: { ...example.ldap, password: '' } })).toBe(
      'g.json: ldap.password: must not be empty (an empty password is an anonymous bind)',
    )
    expect(messageOf({ ...example, ldap: { ...example.ldap, insecure: 'yes' } })).toMatch(
      /^g\.json: ldap\.insecure: /,
    )
    expect(messageOf({ ...example, mattermost: { insecure: 1 } })).toMatch(
      /^g\.json: mattermost\.insecure: /,
    )
    const c = parseConfigText(
      JSON.stringify({
        ...example,
        ldap: { ...example.ldap, insecure: true },
        mattermost: { insecure: true },
      }),
      '/x/g.json',
    )._unsafeUnwrap()
    expect([c.ldap.insecure, c.mattermost.insecure]).toEqual([true, true])
  })

  it('fills the service defaults: no /role, the documented limits', () => {
    const c = parseConfigText(demo, '/x/g.json')._unsafeUnwrap()
    expect(c.serve).toEqual({
      http: {
        maxConnections: 64,
        requestTimeoutMs: 10_000,
        headersTimeoutMs: 5_000,
        keepAliveTimeoutMs: 5_000,
      },
    })
    const withRole = parseConfigText(
      JSON.stringify({ ...example, serve: { role: { port: 9465 }, requestTimeoutMs: 3_000 } }),
      '/x/g.json',
      'g.json',
    )._unsafeUnwrapErr()
    // The default headers timeout (5 s) would outlast a 3 s request timeout.
    expect(withRole.message).toBe(
      'g.json: serve.headersTimeoutMs: must not exceed requestTimeoutMs (default 10000)',
    )
    const ok = parseConfigText(
      JSON.stringify({
        ...example,
        serve: { role: { port: 9465, host: '0.0.0.0', tokenEnv: 'HOOK_TOKEN' }, maxConnections: 4 },
      }),
      '/x/g.json',
    )._unsafeUnwrap()
    expect(ok.serve.role).toEqual({ port: 9465, host: '0.0.0.0', tokenEnv: 'HOOK_TOKEN' })
    expect(ok.serve.http.maxConnections).toBe(4)
    expect(messageOf({ ...example, serve: { role: { port: 70_000 } } })).toMatch(
      /^g\.json: serve\.role\.port: /,
    )
    expect(messageOf({ ...example, serve: { role: {} } })).toMatch(/^g\.json: serve\.role\.port: /)
  })
})
