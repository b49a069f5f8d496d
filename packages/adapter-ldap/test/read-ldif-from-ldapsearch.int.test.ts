import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, inject, it } from 'vitest'
import {
  readDirectory,
  readLdif,
  resolveLdapConfig,
  type DirectorySnapshot,
  type LdapDirectoryConfig,
} from '../src/index.js'

const server = inject('ldap')
const describeServer = describe.runIf(server !== null)
const run = promisify(execFile)
const pageSize = 100

function config(preset: LdapDirectoryConfig['preset'] = 'freeipa'): LdapDirectoryConfig {
  if (server === null) throw new Error('no LDAP test server')
  return {
    url: server.url,
    bindDn: server.bindDn,
    password: server.password,
    preset,
    baseDn: server.baseDn,
    pageSize,
    ...(preset === 'openldap'
      ? { usersContainer: 'cn=users,cn=accounts', groupsContainer: 'cn=groups,cn=accounts' }
      : {}),
  }
}

/** What an admin would run: the real CLI, paged, over the whole suffix, the attributes the preset reads. */
async function ldapsearchExport(c: LdapDirectoryConfig): Promise<string> {
  const r = resolveLdapConfig(c)._unsafeUnwrap()
  const a = r.attributes
  const attributes = [
    // The offline reader evaluates the user and group filters: it needs the object classes.
    'objectClass',
    a.username,
    a.userId,
    a.email,
    a.groupName,
    a.groupId,
    ...a.member,
    ...(a.memberUid === '' ? [] : [a.memberUid]),
    ...(a.manager ?? []),
    ...(r.disabled.kind === 'none' ? [] : [r.disabled.attribute]),
    'ipaExternalMember',
  ]
  const { stdout } = await run(
    'ldapsearch',
    [
      '-x',
      '-LLL',
      '-H',
      c.url,
      '-D',
      c.bindDn,
      '-w',
      c.password,
      '-b',
      c.baseDn,
      '-E',
      `pr=${pageSize}/noprompt`,
      '(objectClass=*)',
      ...new Set(attributes),
    ],
    { maxBuffer: 1 << 26 },
  )
  return stdout
}

async function live(c: LdapDirectoryConfig): Promise<DirectorySnapshot> {
  const r = await readDirectory(c)
  if (r.isErr()) throw new Error(`${r.error.kind}: ${r.error.message}`)
  return r.value
}

const byDn = <T extends { dn: string }>(xs: readonly T[]): T[] =>
  [...xs].sort((x, y) => (x.dn < y.dn ? -1 : x.dn > y.dn ? 1 : 0))

describeServer('readLdif on a real ldapsearch export', () => {
  it.each(['freeipa', 'openldap'] as const)(
    'should give the snapshot readDirectory reads from the same server (%s preset)',
    async (preset) => {
      const c = config(preset)
      const [text, direct] = await Promise.all([ldapsearchExport(c), live(c)])
      // More entries than one page: the export really was paged.
      expect(text.match(/^dn:/gm)?.length ?? 0).toBeGreaterThan(pageSize)
      const offline = readLdif(text, c)._unsafeUnwrap()
      expect(direct.users.length).toBeGreaterThan(1000)
      expect(byDn(offline.users)).toEqual(byDn(direct.users))
      expect(byDn(offline.groups)).toEqual(byDn(direct.groups))
      expect(offline.groups.map((g) => g.status)).toContain('unavailable')
    },
  )
})
