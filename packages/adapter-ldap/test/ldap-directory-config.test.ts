import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseLdapConfig, resolveLdapConfig } from '../src/ldap-directory-config.js'

const base = {
  url: 'ldaps://ipa.example.org',
  bindDn: 'uid=mm,cn=sysaccounts,cn=etc,dc=ipa,dc=test',
  password: 's3cret',
  preset: 'freeipa',
  baseDn: 'dc=ipa,dc=test',
}

describe('parseLdapConfig', () => {
  it('should accept a minimal FreeIPA config and fill the preset defaults', () => {
    const config = parseLdapConfig(base)._unsafeUnwrap()
    const resolved = resolveLdapConfig(config)._unsafeUnwrap()
    expect(resolved).toMatchObject({
      urls: ['ldaps://ipa.example.org'],
      usersDn: 'cn=users,cn=accounts,dc=ipa,dc=test',
      groupsDn: 'cn=groups,cn=accounts,dc=ipa,dc=test',
      groupFilter: '(objectClass=ipaUserGroup)',
      disabled: { kind: 'attributeEquals', attribute: 'nsAccountLock', value: 'TRUE' },
      tls: { startTls: false, rejectUnauthorized: true },
      pageSize: 500,
    })
    expect(resolved.attributes.userId).toBe('ipaUniqueID')
  })

  it('should fill AD and OpenLDAP defaults', () => {
    const ad = resolveLdapConfig(
      parseLdapConfig({
        ...base,
        preset: 'activeDirectory',
        baseDn: 'DC=corp,DC=example',
      })._unsafeUnwrap(),
    )._unsafeUnwrap()
    expect(ad).toMatchObject({
      idFormat: 'guid',
      rangeRetrieval: true,
      disabled: { kind: 'bitSet', attribute: 'userAccountControl', bit: 2 },
    })
    const ol = resolveLdapConfig(
      parseLdapConfig({ ...base, preset: 'openldap' })._unsafeUnwrap(),
    )._unsafeUnwrap()
    expect(ol.attributes).toMatchObject({
      userId: 'entryUUID',
      member: ['member', 'uniqueMember'],
      memberUid: 'memberUid',
    })
  })

  it('should take urls in order and a password file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'grouproles-cfg-'))
    writeFileSync(join(dir, 'pw'), 'from-file\n')
    const { url, password, ...rest } = base
    expect([url, password]).toHaveLength(2)
    const config = parseLdapConfig({
      ...rest,
      urls: ['ldap://a', 'ldap://b'],
      passwordFile: join(dir, 'pw'),
    })._unsafeUnwrap()
    expect(config).toMatchObject({ url: 'ldap://a', urls: ['ldap://b'], password: 'from-file' })
    rmSync(dir, { recursive: true, force: true })
  })

  it('should name every wrong field, and never echo the password', () => {
    const e = parseLdapConfig({
      ...base,
      url: 'http://x',
      preset: 'ipa',
      pageSize: 0,
      tls: { startTls: 'yes' },
      userFilter: '(uid=',
      extra: 1,
      password: 'hunter2',
    })._unsafeUnwrapErr()
    expect(e.kind).toBe('invalidConfig')
    expect(e.issues.map((i) => i.field).sort()).toEqual([
      'extra',
      'pageSize',
      'preset',
      'tls.startTls',
    ])
    expect(e.message).not.toContain('hunter2')
    const e2 = parseLdapConfig({ ...base, url: 'http://x', userFilter: '(uid=' })._unsafeUnwrapErr()
    expect(e2.issues.map((i) => i.field).sort()).toEqual(['url', 'userFilter'])
    expect(parseLdapConfig('nope')._unsafeUnwrapErr().issues).toEqual([
      { field: '', message: 'must be an object' },
    ])
    expect(
      parseLdapConfig({})
        ._unsafeUnwrapErr()
        .issues.map((i) => i.field)
        .sort(),
    ).toEqual(['baseDn', 'bindDn', 'password', 'preset', 'url'])
  })

  it('should refuse StartTLS on ldaps and a missing password file', () => {
    expect(
      parseLdapConfig({ ...base, tls: { startTls: true } })._unsafeUnwrapErr().issues[0]?.field,
    ).toBe('tls.startTls')
    const rest = { ...base, password: undefined }
    expect(
      parseLdapConfig({ ...rest, passwordFile: '/nonexistent/pw' })._unsafeUnwrapErr().issues[0],
    ).toEqual({ field: 'passwordFile', message: 'cannot be read (ENOENT)' })
  })
})
