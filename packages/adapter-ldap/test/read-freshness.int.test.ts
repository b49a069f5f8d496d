import { checkFreshness } from '@grouproles/core'
import { Attribute, Change, Client } from 'ldapts'
import { describe, expect, inject, it } from 'vitest'
import { readDirectory, type LdapDirectoryConfig } from '../src/index.js'
import { rootDn, rootPassword } from './support/freeipa-fixture.js'
import { serverConfig } from './support/server-config.js'

const server = inject('ldap')
const describeServer = describe.runIf(server !== null)

const config = (): LdapDirectoryConfig => serverConfig(server)

describeServer('readDirectory: the freshness marker', () => {
  it("should read the suffix's contextCSN (syncprov) with the entries, and say nothing about a missing one", async () => {
    const s = (await readDirectory(config()))._unsafeUnwrap()
    expect(s.freshness?.kind).toBe('contextCSN')
    expect(s.freshness?.value).toMatch(/^\d{14}\.\d{6}Z#[0-9a-f]{6}#[0-9a-f]{3}#[0-9a-f]{6}$/)
    expect(s.warnings.map((w) => w.kind)).not.toContain('noFreshnessMarker')
  })

  it('should read a newer contextCSN after a write, never an older one', async () => {
    if (server === null) return
    const before = (await readDirectory(config()))._unsafeUnwrap().freshness
    // A write outside what is read (the suffix's description), so other tests see the same groups.
    const client = new Client({ url: server.url })
    try {
      await client.bind(rootDn, rootPassword)
      await client.modify(
        server.baseDn,
        new Change({
          operation: 'replace',
          modification: new Attribute({ type: 'description', values: [`${Date.now()}`] }),
        }),
      )
    } finally {
      await client.unbind()
    }
    const after = (await readDirectory(config()))._unsafeUnwrap().freshness
    expect(after?.value).not.toBe(before?.value)
    expect(checkFreshness(before, after).kind).toBe('fresh')
    expect(checkFreshness(after, before).kind).toBe('behind')
  })
})
