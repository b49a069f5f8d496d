import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { LdapDirectoryConfig } from '@grouproles/adapter-ldap'
import { openDirectory } from './open-directory.js'

const ldap: LdapDirectoryConfig = {
  preset: 'freeipa',
  url: 'ldaps://ipa.example.org',
  bindDn: 'uid=mattermost,cn=sysaccounts,cn=etc,dc=example,dc=org',
  password: 'from-config',
  baseDn: 'dc=example,dc=org',
}

describe('openDirectory', () => {
  it('should read the LDIF export when LDAP_URL is not set, with LDAP_BASE_DN applied', () => {
    const dir = mkdtempSync(join(tmpdir(), 'grouproles-dir-'))
    writeFileSync(join(dir, 'export.ldif'), 'dn: dc=other,dc=org\n')
    const d = openDirectory(
      ldap,
      { LDAP_BASE_DN: 'dc=other,dc=org' },
      {
        path: join(dir, 'export.ldif'),
      },
    )._unsafeUnwrap()
    expect(d.input).toEqual({
      kind: 'ldif',
      text: 'dn: dc=other,dc=org\n',
      config: { ...ldap, baseDn: 'dc=other,dc=org' },
    })
    expect(d.description).toBe(join(dir, 'export.ldif'))
  })

  it('should read LDAP_URL with its bind DN and password, and the CA of LDAP_CA_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'grouproles-dir-'))
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n')
    const d = openDirectory(
      ldap,
      {
        LDAP_URL: 'ldaps://10.0.0.5',
        LDAP_BIND_DN: 'uid=sync,dc=example,dc=org',
        LDAP_PASSWORD: 'from-env',
        LDAP_CA_FILE: join(dir, 'ca.pem'),
      },
      { text: 'unused', name: 'unused' },
    )._unsafeUnwrap()
    expect(d).toEqual({
      input: {
        kind: 'ldap',
        config: {
          ...ldap,
          url: 'ldaps://10.0.0.5',
          bindDn: 'uid=sync,dc=example,dc=org',
          password: 'from-env',
          tls: { ca: '-----BEGIN CERTIFICATE-----\n' },
        },
      },
      description: 'LDAP ldaps://10.0.0.5',
    })
  })

  it('should refuse an empty LDAP_PASSWORD, keep the config password without one, and hide user info', () => {
    expect(
      openDirectory(
        ldap,
        { LDAP_URL: 'ldaps://10.0.0.5', LDAP_PASSWORD: '' },
        { text: '', name: 'x' },
      )._unsafeUnwrapErr().kind,
    ).toBe('emptyPassword')
    const d = openDirectory(
      ldap,
      { LDAP_URL: 'ldaps://cn=admin:pa55@10.0.0.5' },
      { text: '', name: 'x' },
    )._unsafeUnwrap()
    expect(d.input.kind === 'ldap' ? d.input.config.password : undefined).toBe('from-config')
    expect(d.description).toBe('LDAP ldaps://***@10.0.0.5')
  })

  it('should name the variable of a file it cannot read', () => {
    const e = openDirectory(ldap, { LDAP_CA_FILE: '/nonexistent/ca.pem' }, { text: '', name: 'x' })
    expect(e._unsafeUnwrapErr()).toMatchObject({
      kind: 'unreadableFile',
      path: '/nonexistent/ca.pem',
      message: expect.stringMatching(/^LDAP_CA_FILE: cannot read/) as unknown,
    })
    expect(
      openDirectory(ldap, {}, { path: '/nonexistent/export.ldif' })._unsafeUnwrapErr().message,
    ).toMatch(/^the LDIF export: cannot read/)
  })
})
