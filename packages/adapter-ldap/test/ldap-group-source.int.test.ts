import { describe, expect, inject, it } from 'vitest'
import type { TargetView } from '@grouproles/core'
import { LdapGroupSource, LdifGroupSource, type LdapDirectoryConfig } from '../src/index.js'
import { freeipaFixture } from './support/freeipa-fixture.js'
import { writeLdif } from './support/write-ldif.js'

const server = inject('ldap')

const target: TargetView = {
  users: [
    { id: 'U1', username: 'alice', systemRole: 'user' },
    { id: 'U2', username: 'bob', systemRole: 'user' },
  ],
  teams: [{ id: 'T1', name: 'rl', groupConstrained: false }],
  channels: [{ id: 'C1', teamId: 'T1', name: 'infra', type: 'P', groupConstrained: false }],
}

describe.runIf(server !== null)('LdapGroupSource', () => {
  const ldap = (): LdapDirectoryConfig => {
    if (server === null) throw new Error('no LDAP test server')
    return {
      url: server.url,
      bindDn: server.bindDn,
      password: server.password,
      preset: 'freeipa',
      baseDn: server.baseDn,
      pageSize: 200,
    }
  }
  const options = {
    matchBy: 'username' as const,
    rules: [{ kind: 'pattern' as const, pattern: 'mm_{team}_{channel}', manage: true }],
  }

  it('should read before the target arrives and then give what the LDIF export gives', async () => {
    let deliver: (t: TargetView) => void = () => undefined
    const later = new Promise<TargetView>((resolve) => {
      deliver = resolve
    })
    const loading = new LdapGroupSource({ ldap: ldap(), ...options }).loadGroups(later)
    setTimeout(() => {
      deliver(target)
    }, 50)
    const live = (await loading)._unsafeUnwrap()
    const offline = (
      await new LdifGroupSource({
        text: writeLdif(freeipaFixture(1200)),
        source: 'fixture.ldif',
        ldap: ldap(),
        ...options,
      }).loadGroups(target)
    )._unsafeUnwrap()
    expect(live.links).toEqual(offline.links)
    expect(live.managed).toEqual(offline.managed)
    expect(live.groups.find((g) => g.name === 'mm_rl_infra')?.memberIds).toEqual(['U1', 'U2'])
  })

  it('should fail with the typed LDAP error when the bind is refused', async () => {
    const r = await new LdapGroupSource({
      ldap: { ...ldap(), password: 'wrong' },
      ...options,
    }).loadGroups(target)
    expect(r._unsafeUnwrapErr().kind).toBe('invalidCredentials')
  })
})
