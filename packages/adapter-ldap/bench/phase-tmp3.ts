import { Client } from 'ldapts'
import { bindDn, bindPassword, suffix } from '../test/support/freeipa-fixture.js'
import { fromLdapEntry, type DirectoryEntry } from '../src/directory-entry.js'
import { buildSnapshot } from '../src/build-snapshot.js'
import { resolveLdapConfig } from '../src/index.js'
const url = process.argv[2]!
const c = resolveLdapConfig({ url, bindDn, password: bindPassword, preset: 'freeipa', baseDn: suffix })._unsafeUnwrap()
for (let r = 0; r < 4; r++) {
  const cl = new Client({ url })
  await cl.bind(bindDn, bindPassword)
  let t = performance.now()
  const users: DirectoryEntry[] = []; const groups: { entry: DirectoryEntry }[] = []
  for await (const p of cl.searchPaginated(`cn=users,cn=accounts,${suffix}`, { filter: '(objectClass=posixAccount)', attributes: ['uid','ipaUniqueID','mail','nsAccountLock'], paged: { pageSize: 1000 } })) for (const e of p.searchEntries) users.push(fromLdapEntry(e))
  for await (const p of cl.searchPaginated(`cn=groups,cn=accounts,${suffix}`, { filter: '(objectClass=ipaUserGroup)', attributes: ['cn','ipaUniqueID','member','ipaExternalMember'], paged: { pageSize: 1000 } })) for (const e of p.searchEntries) groups.push({ entry: fromLdapEntry(e) })
  const tf = performance.now() - t
  await cl.unbind()
  t = performance.now()
  const s = buildSnapshot(users, groups, c)
  console.log({ fetch: tf.toFixed(0), build: (performance.now() - t).toFixed(0), n: s.groups.length })
}
