import { createServer, type Server } from 'node:net'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { checkLdapTransport } from '../src/check-ldap-transport.js'
import { parseLdapConfig } from '../src/ldap-directory-config.js'
import { readDirectory } from '../src/read-directory.js'
import type { LdapDirectoryConfig } from '../src/ldap-directory-config.js'

const base: LdapDirectoryConfig = {
  url: 'ldaps://ipa.example.org',
  bindDn: 'uid=mm,cn=sysaccounts,cn=etc,dc=ipa,dc=test',
  password: 'hunter2-secret',
  preset: 'freeipa',
  baseDn: 'dc=ipa,dc=test',
}

describe('checkLdapTransport', () => {
  it('accepts ldaps://, StartTLS, and plain ldap:// to this machine', () => {
    for (const config of [
      base,
      { ...base, url: 'ldap://ipa.example.org', tls: { startTls: true } },
      { ...base, url: 'ldap://127.0.0.1:3389' },
      { ...base, url: 'ldap://localhost', urls: ['ldap://[::1]:389'] },
    ])
      expect(checkLdapTransport(config)._unsafeUnwrap(), config.url).toBeUndefined()
  })

  it('refuses a password over plain ldap:// to another host, naming the URL and the way out', () => {
    const e = checkLdapTransport({
      ...base,
      url: 'ldaps://a.example.org',
      urls: ['ldap://b.example.org:389', 'ldap://127.0.0.1'],
    })._unsafeUnwrapErr()
    expect(e.kind).toBe('insecureTransport')
    expect(e.problems).toHaveLength(1)
    expect(e.message).toContain('ldap://b.example.org:389 sends the bind password in clear text')
    expect(e.message).toMatch(/ldaps:\/\/ or tls\.startTls: true/)
    expect(e.message).toMatch(/insecure: true/)
    expect(e.message).not.toContain(base.password)
  })

  it('refuses disabled certificate checks on any host, loopback and StartTLS included', () => {
    for (const config of [
      { ...base, tls: { rejectUnauthorized: false } },
      { ...base, url: 'ldaps://127.0.0.1:636', tls: { rejectUnauthorized: false } },
      {
        ...base,
        url: 'ldap://ipa.example.org',
        tls: { startTls: true, rejectUnauthorized: false },
      },
    ]) {
      const e = checkLdapTransport(config)._unsafeUnwrapErr()
      expect(e.problems).toEqual([expect.stringMatching(/^tls\.rejectUnauthorized: false/)])
    }
  })

  it('with insecure: true gives one warning holding every finding instead', () => {
    const warning = checkLdapTransport({
      ...base,
      url: 'ldap://ipa.example.org',
      tls: { rejectUnauthorized: false },
      insecure: true,
    })._unsafeUnwrap()
    expect(warning).toMatch(/^insecure LDAP transport allowed by insecure: true: /)
    expect(warning).toContain('ldap://ipa.example.org sends the bind password in clear text')
    expect(warning).toContain('tls.rejectUnauthorized: false')
  })

  it('never prints the user info of a URL', () => {
    const e = checkLdapTransport({
      ...base,
      url: 'ldap://cn=admin:pa55word@ipa.example.org',
    })._unsafeUnwrapErr()
    expect(e.message).toContain('ldap://***@ipa.example.org')
    expect(e.message).not.toContain('pa55word')
  })
})

describe('readDirectory on an insecure transport', () => {
  let server: Server | undefined
  afterEach(async () => {
    await new Promise<void>((resolve) => {
      if (server === undefined) resolve()
      else
        server.close(() => {
          resolve()
        })
    })
  })

  it('is refused before any connection, so the password is never sent', async () => {
    let connections = 0
    server = createServer((socket) => {
      connections++
      socket.destroy()
    })
    const port = await new Promise<number>((resolve) => {
      server?.listen(0, '127.0.0.1', () => {
        const a = server?.address()
        resolve(typeof a === 'object' && a !== null ? a.port : 0)
      })
    })
    const refused = await readDirectory({
      ...base,
      url: `ldaps://127.0.0.1:${port}`,
      tls: { rejectUnauthorized: false },
    })
    expect(refused._unsafeUnwrapErr().kind).toBe('insecureTransport')
    // A name that does not resolve: refused without even a DNS query failing first.
    const plain = await readDirectory({ ...base, url: 'ldap://ldap.example.invalid' })
    expect(plain._unsafeUnwrapErr().kind).toBe('insecureTransport')
    expect(connections).toBe(0)
    // Allowed, it connects (and fails there: this server speaks no LDAP).
    const allowed = await readDirectory({
      ...base,
      url: `ldaps://127.0.0.1:${port}`,
      tls: { rejectUnauthorized: false },
      insecure: true,
      connectTimeoutMs: 2_000,
      timeoutMs: 2_000,
    })
    expect(allowed._unsafeUnwrapErr().kind).not.toBe('insecureTransport')
    expect(connections).toBeGreaterThan(0)
  })
})

describe('an empty password', () => {
  it('is an error, from the config, a password file or code, never an anonymous bind', async () => {
    expect(parseLdapConfig({ ...base, password: '' })._unsafeUnwrapErr().issues).toEqual([
      { field: 'password', message: 'must not be empty (an empty password is an anonymous bind)' },
    ])
    const dir = mkdtempSync(join(tmpdir(), 'grouproles-pw-'))
    try {
      writeFileSync(join(dir, 'pw'), '\n')
      const { password, ...rest } = base
      expect(password).not.toBe('')
      expect(
        parseLdapConfig({ ...rest, passwordFile: join(dir, 'pw') })._unsafeUnwrapErr().issues[0]
          ?.field,
      ).toBe('password')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    const read = await readDirectory({ ...base, url: 'ldap://127.0.0.1:1', password: '' })
    expect(read._unsafeUnwrapErr()).toMatchObject({
      kind: 'invalidConfig',
      issues: [{ field: 'password' }],
    })
  })

  it('takes insecure only as a boolean', () => {
    expect(parseLdapConfig({ ...base, insecure: 'yes' })._unsafeUnwrapErr().issues).toEqual([
      { field: 'insecure', message: 'must be a boolean' },
    ])
    expect(parseLdapConfig({ ...base, insecure: true })._unsafeUnwrap().insecure).toBe(true)
  })

  it('config errors about a URL never echo its user info', () => {
    const e = parseLdapConfig({ ...base, url: 'http://u:pa55word@ipa.example.org' })
    expect(e._unsafeUnwrapErr().message).toContain(
      'url must start with ldap:// or ldaps:// (server 1 has http://)',
    )
    const typo = parseLdapConfig({ ...base, url: 'ldaps://ipa.example.org hunter2' })
    expect(typo._unsafeUnwrapErr().message).toBe('invalid LDAP config: url is not a URL (server 1)')
    expect(e._unsafeUnwrapErr().message).not.toContain('pa55word')
  })
})
