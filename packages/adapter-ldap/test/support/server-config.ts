import type { LdapDirectoryConfig } from '../../src/index.js'

/** What the global setup hands the suites about the test slapd (`inject('ldap')`). */
interface TestServer {
  readonly url: string
  readonly bindDn: string
  readonly password: string
  readonly baseDn: string
}

/** The FreeIPA reader settings for the test slapd, with a suite's own additions. */
export function serverConfig(
  server: TestServer | null,
  extra: Partial<LdapDirectoryConfig> = {},
): LdapDirectoryConfig {
  if (server === null) throw new Error('no LDAP test server')
  return {
    url: server.url,
    bindDn: server.bindDn,
    password: server.password,
    preset: 'freeipa',
    baseDn: server.baseDn,
    pageSize: 200,
    ...extra,
  }
}
