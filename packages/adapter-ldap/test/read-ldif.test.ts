import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { LdapDirectoryConfig } from '../src/ldap-directory-config.js'
import { readLdif } from '../src/read-ldif.js'
import { freeipaFixture } from './support/freeipa-fixture.js'
import { fuzzLdifArb } from './support/mutate-ldif.js'
import { writeLdif } from './support/write-ldif.js'

const guid = Buffer.from('33221100554477668899aabbccddeeff', 'hex')
const ad: LdapDirectoryConfig = {
  url: 'ldaps://dc1',
  bindDn: 'CN=svc,DC=corp,DC=example',
  password: 'x',
  preset: 'activeDirectory',
  baseDn: 'DC=corp,DC=example',
}
const adLdif = writeLdif([
  {
    dn: 'CN=Alice,OU=Users,DC=corp,DC=example',
    attributes: [
      ['objectClass', ['top', 'person', 'user']],
      ['sAMAccountName', ['alice']],
      ['objectGUID', [guid]],
      ['userAccountControl', ['512']],
      ['mail', ['alice@corp.example']],
    ],
  },
  {
    dn: 'CN=Bob,OU=Users,DC=corp,DC=example',
    attributes: [
      ['objectClass', ['top', 'person', 'user']],
      ['sAMAccountName', ['bob']],
      ['objectGUID', [Buffer.alloc(16, 1)]],
      ['userAccountControl', ['514']],
    ],
  },
  {
    dn: 'CN=PC1,OU=Computers,DC=corp,DC=example',
    attributes: [
      ['objectClass', ['top', 'user', 'computer']],
      ['sAMAccountName', ['PC1$']],
    ],
  },
  {
    dn: 'CN=Staff,OU=Groups,DC=corp,DC=example',
    attributes: [
      ['objectClass', ['top', 'group']],
      ['cn', ['Staff']],
      ['objectGUID', [Buffer.alloc(16, 2)]],
      ['member', ['cn=alice,ou=users,dc=corp,dc=example', 'CN=Bob,OU=Users,DC=corp,DC=example']],
    ],
  },
  {
    dn: 'CN=Big,OU=Groups,DC=corp,DC=example',
    attributes: [
      ['objectClass', ['top', 'group']],
      ['cn', ['Big']],
      ['objectGUID', [Buffer.alloc(16, 3)]],
      ['member;range=0-1499', ['CN=Alice,OU=Users,DC=corp,DC=example']],
    ],
  },
])

describe('readLdif', () => {
  it('should read an AD export: binary GUIDs, disabled bit, computers left out, truncated ranges unavailable', () => {
    const s = readLdif(adLdif, ad)._unsafeUnwrap()
    expect(s.users.map((u) => [u.username, u.id, u.disabled])).toEqual([
      ['alice', '00112233-4455-6677-8899-aabbccddeeff', false],
      ['bob', '01010101-0101-0101-0101-010101010101', true],
    ])
    expect(s.groups.map((g) => [g.name, g.memberUsernames, g.status])).toEqual([
      ['Staff', ['alice', 'bob'], 'complete'],
      ['Big', ['alice'], 'unavailable'],
    ])
  })

  it('should read a FreeIPA export with the FreeIPA preset', () => {
    const config: LdapDirectoryConfig = {
      url: 'ldap://x',
      bindDn: 'cn=x,dc=ipa,dc=test',
      password: 'x',
      preset: 'freeipa',
      baseDn: 'dc=ipa,dc=test',
    }
    const s = readLdif(writeLdif(freeipaFixture(3)), config)._unsafeUnwrap()
    expect(s.users.map((u) => u.username)).toEqual([
      'alice',
      'bob',
      'carol',
      'dave',
      'eve',
      '*)(uid=*',
      'josé',
      'bulk00000',
      'bulk00001',
      'bulk00002',
    ])
    expect(s.groups.find((g) => g.name === 'alice')).toBeUndefined()
    expect(s.groups.find((g) => g.name === 'mm_ext')?.status).toBe('unavailable')
  })

  it('should refuse filters it cannot evaluate offline and broken LDIF', () => {
    expect(
      readLdif(adLdif, {
        ...ad,
        groupFilter: '(memberOf:1.2.840.113556.1.4.1941:=CN=x)',
      })._unsafeUnwrapErr().kind,
    ).toBe('unsupportedFilter')
    expect(readLdif('garbage', ad)._unsafeUnwrapErr().kind).toBe('ldifSyntax')
    expect(readLdif(adLdif, { ...ad, baseDn: 'not a dn' })._unsafeUnwrapErr().kind).toBe(
      'invalidConfig',
    )
  })
})

describe('readLdif on broken and arbitrary exports', () => {
  const freeipa: LdapDirectoryConfig = {
    url: 'ldap://x',
    bindDn: 'cn=x,dc=ipa,dc=test',
    password: 'x',
    preset: 'freeipa',
    baseDn: 'dc=ipa,dc=test',
  }
  // Small limits so mutated exports also reach the limit checks.
  const tight: LdapDirectoryConfig = {
    ...ad,
    limits: { maxEntries: 4, maxNestingDepth: 1, maxMemberships: 3 },
  }
  const kinds = ['ldifSyntax', 'incompleteExport', 'readLimit']

  it('should give a snapshot or a typed error, never throw', () => {
    fc.assert(
      fc.property(fuzzLdifArb, fc.constantFrom(ad, freeipa, tight), (input, config) => {
        const read = readLdif(input, config)
        if (read.isErr()) {
          expect(kinds).toContain(read.error.kind)
          expect(read.error.message).not.toBe('')
          return
        }
        for (const u of read.value.users) expect(typeof u.username).toBe('string')
        for (const w of read.value.warnings) expect(w.message).not.toBe('')
      }),
      { numRuns: 1500 },
    )
  })
})
