import type { TargetView } from '@grouproles/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { LdapDirectoryConfig } from '../src/ldap-directory-config.js'
import { LdifGroupSource } from '../src/ldif-group-source.js'
import { freeipaFixture, suffix } from './support/freeipa-fixture.js'
import { fuzzLdifArb } from './support/mutate-ldif.js'
import { writeLdif } from './support/write-ldif.js'

const ldap: LdapDirectoryConfig = {
  url: 'ldap://unused',
  bindDn: `uid=mattermost,cn=sysaccounts,cn=etc,${suffix}`,
  password: 'unused',
  preset: 'freeipa',
  baseDn: suffix,
}
const target: TargetView = {
  users: [
    { id: 'U1', username: 'alice', systemRole: 'user' },
    { id: 'U2', username: 'bob', systemRole: 'user' },
  ],
  teams: [{ id: 'T1', name: 'rl', groupConstrained: false }],
  channels: [
    { id: 'C1', teamId: 'T1', name: 'infra', type: 'P', groupConstrained: false },
    { id: 'C2', teamId: 'T1', name: 'docs', type: 'O', groupConstrained: false },
  ],
}
const text = writeLdif(freeipaFixture(0))

describe('LdifGroupSource', () => {
  it('should resolve the export against the target, with links, managed syncables and warnings', async () => {
    const source = new LdifGroupSource({
      text,
      source: 'export.ldif',
      ldap,
      matchBy: 'username',
      rules: [{ kind: 'pattern', pattern: 'mm_{team}_{channel}', manage: true }],
      manage: ['rl/docs', 'nope'],
    })
    const load = (await source.loadGroups(Promise.resolve(target)))._unsafeUnwrap()
    const infra = load.groups.find((g) => g.name === 'mm_rl_infra')
    // carol is locked; bob is in through rl_infra_leads.
    expect(infra?.memberIds).toEqual(['U1', 'U2'])
    expect(load.links).toContainEqual({
      groupId: infra?.id,
      syncable: { kind: 'channel', id: 'C1' },
      autoAdd: true,
      schemeAdmin: false,
    })
    expect(load.managed).toEqual([
      { syncable: { kind: 'channel', id: 'C1' }, by: 'rule 1' },
      { syncable: { kind: 'channel', id: 'C2' }, by: 'rule 1, the manage list' },
      { syncable: { kind: 'team', id: 'T1' }, by: 'rule 1' },
    ])
    expect(load.warnings.map((w) => w.kind)).toContain('unknownManaged')
    expect(load.warnings.every((w) => w.message !== '')).toBe(true)
  })

  it('should say once per load that an export has no freshness marker, and give none', async () => {
    const source = new LdifGroupSource({
      text,
      source: 'export.ldif',
      ldap,
      matchBy: 'username',
      rules: [{ kind: 'pattern', pattern: 'mm_{team}_{channel}' }],
    })
    for (let run = 0; run < 2; run++) {
      const load = (await source.loadGroups(target))._unsafeUnwrap()
      expect(load.warnings.filter((w) => w.kind === 'noFreshnessMarker')).toEqual([
        expect.objectContaining({ source: 'ldif' }),
      ])
      expect(load.freshness).toBeUndefined()
    }
  })

  it('should answer the same on every load, whether given the target or a promise of it', async () => {
    const source = new LdifGroupSource({
      text,
      source: 'export.ldif',
      ldap,
      matchBy: 'username',
      rules: [],
    })
    const first = (await source.loadGroups(target))._unsafeUnwrap()
    const second = (await source.loadGroups(Promise.resolve(target)))._unsafeUnwrap()
    expect(second).toEqual(first)
  })

  it('should name the source and line of a syntax error', async () => {
    const source = new LdifGroupSource({
      text: `dn: uid=x,${suffix}\nuid: x\nthis line is broken\n`,
      source: 'dump.ldif',
      ldap,
      matchBy: 'username',
      rules: [],
    })
    const error = (await source.loadGroups(target))._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'ldifSyntax', source: 'dump.ldif', line: 3 })
    expect(error.message).toBe('dump.ldif:3: expected "attribute: value"')
  })

  it('should refuse an export that selects no group, unless ldap.allowEmpty', async () => {
    const usersOnly = text
      .split('\n\n')
      .filter((record) => !record.includes('cn=groups,cn=accounts'))
      .join('\n\n')
    const make = (allowEmpty: boolean) =>
      new LdifGroupSource({
        text: usersOnly,
        source: 'users.ldif',
        ldap: { ...ldap, allowEmpty },
        matchBy: 'username',
        rules: [],
      })
    const error = (await make(false).loadGroups(target))._unsafeUnwrapErr()
    expect(error).toEqual({
      kind: 'emptyDirectory',
      source: 'users.ldif',
      message: `users.ldif: no groups under cn=groups,cn=accounts,${suffix} match (objectClass=ipaUserGroup); set ldap.allowEmpty if this is really so`,
    })
    expect((await make(true).loadGroups(target))._unsafeUnwrap().groups).toEqual([])
  })
})

describe('LdifGroupSource on broken and arbitrary exports', () => {
  const kinds = ['ldifSyntax', 'incompleteExport', 'readLimit', 'emptyDirectory']
  const ad: LdapDirectoryConfig = {
    url: 'ldaps://dc1',
    bindDn: 'CN=svc,DC=corp,DC=example',
    password: 'x',
    preset: 'activeDirectory',
    baseDn: 'DC=corp,DC=example',
  }

  // Odd entries that survive reading must not throw further down: matching, rules, managers.
  it('should load groups through the rules or give a typed error naming the source, never throw', async () => {
    await fc.assert(
      fc.asyncProperty(
        fuzzLdifArb,
        fc.constantFrom(ldap, ad, { ...ldap, allowEmpty: true }),
        fc.constantFrom('username' as const, 'email' as const),
        async (input, config, matchBy) => {
          const source = new LdifGroupSource({
            text: input,
            source: 'fuzz.ldif',
            ldap: config,
            matchBy,
            rules: [
              { kind: 'pattern', pattern: 'mm_{team}_{channel}', manage: true },
              { kind: 'pattern', pattern: 'mm_{team}', managers: 'admin' },
            ],
            manage: ['rl/docs'],
          })
          const load = await source.loadGroups(target)
          if (load.isErr()) {
            expect(kinds).toContain(load.error.kind)
            expect(load.error.message.startsWith('fuzz.ldif')).toBe(true)
            return
          }
          for (const g of load.value.groups) expect(Array.isArray(g.memberIds)).toBe(true)
          for (const w of load.value.warnings) expect(w.message).not.toBe('')
        },
      ),
      { numRuns: 1000 },
    )
  })
})
