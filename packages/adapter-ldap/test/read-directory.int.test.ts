import { directoryWarning, nestingPath, type Group } from '@grouproles/core'
import { describe, expect, inject, it } from 'vitest'
import {
  readDirectory,
  readLdif,
  type DirectorySnapshot,
  type LdapDirectoryConfig,
} from '../src/index.js'
import { freeipaFixture, groupsDn, usersDn } from './support/freeipa-fixture.js'
import { serverConfig } from './support/server-config.js'
import { writeLdif } from './support/write-ldif.js'

const server = inject('ldap')
const describeServer = describe.runIf(server !== null)

const config = (extra: Partial<LdapDirectoryConfig> = {}): LdapDirectoryConfig =>
  serverConfig(server, extra)

async function read(extra: Partial<LdapDirectoryConfig> = {}): Promise<DirectorySnapshot> {
  const r = await readDirectory(config(extra))
  if (r.isErr()) throw new Error(`${r.error.kind}: ${r.error.message}`)
  return r.value
}

const members = (s: DirectorySnapshot, name: string) => s.groups.find((g) => g.name === name)

describeServer('readDirectory', () => {
  it('should read every user across pages, but not the compat tree', async () => {
    const s = await read()
    expect(s.users).toHaveLength(7 + 1200)
    expect(s.users.filter((u) => u.username === 'alice')).toEqual([
      {
        dn: `uid=alice,${usersDn}`,
        id: '00000000-0000-4000-8000-000000000001',
        username: 'alice',
        email: 'alice@ipa.test',
        emails: ['alice@ipa.test', 'alice.alt@ipa.test'],
        disabled: false,
      },
    ])
    expect(s.users.filter((u) => u.disabled).map((u) => u.username)).toEqual(['carol'])
  })

  it('should read ipaUserGroups only, flattened, with nesting paths', async () => {
    const s = await read()
    expect(s.groups.map((g) => g.name).sort()).toEqual(
      [
        '*)(uid=*',
        'Spe(c)ial*\\chars',
        'cycle_a',
        'cycle_b',
        'ipausers',
        'mm_bulk',
        'mm_empty',
        'mm_ext',
        'mm_rl_docs',
        'mm_rl_infra',
        'mm_rl_outer',
        'rl_infra_leads',
      ].sort(),
    )
    expect(members(s, 'mm_rl_infra')).toMatchObject({
      memberUsernames: ['alice', 'bob', 'carol'],
      status: 'complete',
      directMemberUsernames: ['alice', 'carol'],
    })
    // Nesting as links; the path is built when asked for, by usernames standing in for user ids.
    const byId = new Map(
      s.groups.map((g): [string, Group] => [
        g.id,
        {
          id: g.id,
          name: g.name,
          memberIds: g.memberUsernames,
          ...(g.subgroupIds !== undefined
            ? { subgroupIds: g.subgroupIds, directMemberIds: g.directMemberUsernames ?? [] }
            : {}),
        },
      ]),
    )
    const path = (group: string) => nestingPath(byId, members(s, group)?.id ?? '', 'bob')
    expect(path('mm_rl_infra')).toEqual(['mm_rl_infra', 'rl_infra_leads'])
    expect(path('mm_rl_outer')).toEqual(['mm_rl_outer', 'mm_rl_infra', 'rl_infra_leads'])
    expect(members(s, 'cycle_a')?.memberUsernames).toEqual(['dave', 'eve'])
    expect(members(s, 'cycle_b')?.memberUsernames).toEqual(['dave', 'eve'])
    expect(members(s, 'mm_bulk')?.memberUsernames).toHaveLength(1200)
    expect(members(s, 'mm_empty')).toMatchObject({ memberUsernames: [], status: 'complete' })
    expect(members(s, 'mm_rl_docs')?.memberUsernames).toEqual(['alice', 'josé'])
  })

  it('should treat special characters as data', async () => {
    const s = await read()
    expect(members(s, '*)(uid=*')?.memberUsernames).toEqual(['*)(uid=*', 'alice'])
    expect(members(s, 'Spe(c)ial*\\chars')).toMatchObject({
      dn: `cn=Spe(c)ial*\\\\chars,${groupsDn}`,
      memberUsernames: ['eve'],
    })
  })

  it('should never show a group with unresolvable external members as empty', async () => {
    const s = await read()
    expect(members(s, 'mm_ext')?.status).toBe('unavailable')
  })

  it('should give the same snapshot as readLdif on an export of the same directory', async () => {
    const live = await read()
    const offline = readLdif(writeLdif(freeipaFixture()), config())._unsafeUnwrap()
    expect(offline.users).toEqual(live.users)
    expect(offline.groups).toEqual(live.groups)
  })

  it('should read over LDAPS and StartTLS with the CA', async () => {
    if (server === null) return
    const ldaps = await read({ url: server.ldapsUrl, tls: { ca: server.caPem } })
    const startTls = await read({ tls: { ca: server.caPem, startTls: true } })
    expect(ldaps.users).toHaveLength(1207)
    expect(startTls.groups).toHaveLength(12)
  })

  it('should read posix memberUid groups with the openldap preset', async () => {
    const s = await read({
      preset: 'openldap',
      usersContainer: 'cn=users,cn=accounts',
      groupsContainer: 'cn=groups,cn=accounts',
    })
    expect(members(s, 'legacy_posix')?.memberUsernames).toEqual(['alice', 'bob'])
    expect(s.warnings).toContainEqual(
      directoryWarning({
        kind: 'unknownMemberUids',
        group: 'legacy_posix',
        count: 1,
        examples: ['ghost'],
      }),
    )
    expect(s.users[0]?.id).toMatch(/^[0-9a-f]{8}-/)
  })
})
