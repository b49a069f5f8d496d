import { describe, expect, inject, it } from 'vitest'
import {
  readDirectory,
  readLdif,
  type DirectorySnapshot,
  type LdapDirectoryConfig,
} from '../src/index.js'
import { managersFixture } from './support/managers-fixture.js'
import { managerConfigs, managerFields } from './support/manager-configs.js'
import { writeLdif } from './support/write-ldif.js'

const server = inject('ldap')
const describeServer = describe.runIf(server !== null)

async function read(extra: Omit<LdapDirectoryConfig, 'url' | 'bindDn' | 'password'>) {
  if (server === null) throw new Error('no LDAP test server')
  const r = await readDirectory({
    url: server.url,
    bindDn: server.bindDn,
    password: server.password,
    ...extra,
  })
  if (r.isErr()) throw new Error(`${r.error.kind}: ${r.error.message}`)
  return r.value
}

const group = (s: DirectorySnapshot, name: string) => s.groups.find((g) => g.name === name)

describeServer('readDirectory: group managers', () => {
  it('reads FreeIPA memberManager users and groups, nested groups included, disabled managers left out', async () => {
    const s = await read(managerConfigs.freeipa)
    expect(group(s, 'mm_rl_infrastructure')).toMatchObject({
      memberUsernames: ['mona', 'quinn'],
      status: 'complete',
      managerUsernames: ['mona', 'ned', 'olga'],
      managerAttribute: 'memberManager',
    })
    expect(group(s, 'mm_rl_infrastructure')?.managersUnavailableReason).toBeUndefined()
    // No manager attribute: no manager fields at all.
    expect(Object.keys(group(s, 'mm_rl_plain') ?? {})).not.toContain('managerUsernames')
  })

  it('marks only the managers unknown when a manager DN is outside the read base', async () => {
    const s = await read(managerConfigs.freeipa)
    const g = group(s, 'mm_rl_outside')
    expect(g).toMatchObject({
      memberUsernames: ['quinn'],
      status: 'complete',
      managerUsernames: ['mona'],
      managersUnavailableReason:
        '1 manager DN(s) name no user or group of this read: uid=alice,cn=users,cn=accounts,dc=ipa,dc=test',
    })
    expect(g?.unavailableReason).toBeUndefined()
    expect(s.warnings.filter((w) => w.kind === 'managersUnavailable')).toEqual([
      expect.objectContaining({ group: 'mm_rl_outside' }),
    ])
  })

  it('reads AD managedBy naming a user or a group', async () => {
    const s = await read(managerConfigs.activeDirectory)
    expect(group(s, 'mm_ad_infra')).toMatchObject({
      managerUsernames: ['sam'],
      managerAttribute: 'managedBy',
    })
    // uma is disabled (userAccountControl 514).
    expect(group(s, 'mm_ad_ops')?.managerUsernames).toEqual(['tina'])
  })

  it('reads OpenLDAP owner DNs', async () => {
    const s = await read(managerConfigs.openldap)
    expect(group(s, 'mm_ol_web')).toMatchObject({
      memberUsernames: ['xavier'],
      managerUsernames: ['victor', 'wendy'],
      managerAttribute: 'owner',
    })
  })

  it('gives the same managers as readLdif on an export of the same entries', async () => {
    const text = writeLdif(managersFixture())
    for (const preset of ['freeipa', 'activeDirectory', 'openldap'] as const) {
      const live = await read(managerConfigs[preset])
      const offline = readLdif(text, {
        url: 'ldap://unused',
        bindDn: 'cn=x',
        password: 'x',
        ...managerConfigs[preset],
      })._unsafeUnwrap()
      expect(offline.groups.map(managerFields)).toEqual(live.groups.map(managerFields))
    }
  })
})
