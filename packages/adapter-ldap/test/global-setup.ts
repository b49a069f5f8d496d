import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { bindDn, bindPassword, freeipaFixture, suffix } from './support/freeipa-fixture.js'
import { missingLdapTools, startSlapd } from './support/slapd.js'
import { managersFixture } from './support/managers-fixture.js'
import { writeLdif } from './support/write-ldif.js'

export interface LdapTestServer {
  readonly url: string
  readonly ldapsUrl: string
  readonly caPem: string
  readonly bindDn: string
  readonly password: string
  readonly baseDn: string
  readonly pid: number
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** null when slapd is not installed and servers are not required. */
    ldap: LdapTestServer | null
  }
}

/** Starts one throwaway slapd with the FreeIPA-shaped fixture for the whole adapter-ldap project. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const missing = missingLdapTools()
  if (missing.length > 0) {
    const message = `adapter-ldap: integration tests need slapd/ldap-utils/openssl; missing: ${missing.join(', ')} (apt-get install slapd ldap-utils openssl)`
    if (process.env['GROUPROLES_ALLOW_MISSING_SERVERS'] !== '1') throw new Error(message)
    console.warn(`\n!!! ${message}: SKIPPING the LDAP integration tests !!!\n`)
    project.provide('ldap', null)
    return () => Promise.resolve()
  }
  const dir = mkdtempSync(join(tmpdir(), 'grouproles-slapd-'))
  const ldifFile = join(dir, 'fixture.ldif')
  // The manager subtrees live beside the main fixture, outside the containers it is read from.
  writeFileSync(ldifFile, writeLdif([...freeipaFixture(), ...managersFixture()]))
  const slapd = await startSlapd({ dir, ldifFile }).catch((e: unknown) => {
    rmSync(dir, { recursive: true, force: true })
    throw e
  })
  project.provide('ldap', {
    url: slapd.url,
    ldapsUrl: slapd.ldapsUrl,
    caPem: slapd.caPem,
    bindDn,
    password: bindPassword,
    baseDn: suffix,
    pid: slapd.pid,
  })
  return async () => {
    await slapd.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
