import { toDirectoryEntry } from '../src/directory-entry.js'
import { createSnapshotBuilder } from '../src/build-snapshot.js'
import { flattenGroups } from '../src/flatten-groups.js'
import { resolveLdapConfig } from '../src/index.js'
const c = resolveLdapConfig({ url: 'ldap://x', bindDn: 'cn=x', password: 'x', preset: 'freeipa', baseDn: 'dc=ipa,dc=test' })._unsafeUnwrap()
const N = 50000, G = 2500
const name = (i: number) => `u${String(i).padStart(6, '0')}`
const mk = () => ({
  users: Array.from({ length: N }, (_, i) => toDirectoryEntry(`uid=${name(i)},cn=users,cn=accounts,dc=ipa,dc=test`, [['uid', name(i)], ['ipaUniqueID', `id-${i}`], ['mail', `${name(i)}@x`]])),
  groups: Array.from({ length: G }, (_, g) => toDirectoryEntry(`cn=grp${g},cn=groups,cn=accounts,dc=ipa,dc=test`, [['cn', `grp${g}`], ['ipaUniqueID', `g-${g}`], ['member', Array.from({ length: 200 }, (_, k) => `uid=${name((g * 20 + k * 7) % N)},cn=users,cn=accounts,dc=ipa,dc=test`)]])),
})
for (let r = 0; r < 4; r++) {
  const { users, groups } = mk()
  let t = performance.now()
  const b = createSnapshotBuilder(c)
  for (const u of users) b.addUser(u)
  const tu = performance.now() - t; t = performance.now()
  for (const g of groups) b.addGroup(g)
  const tg = performance.now() - t; t = performance.now()
  b.finish()
  const tf = performance.now() - t
  const arrs = Array.from({ length: G }, (_, g) => Array.from({ length: 200 }, (_, k) => `uid=${name((g * 20 + k * 7) % N)},cn=users`))
  t = performance.now(); for (const a of arrs) a.sort(); const ts = performance.now() - t
  console.log({ tu: tu.toFixed(0), tg: tg.toFixed(0), finish: tf.toFixed(0), sort500k: ts.toFixed(0) })
}
void flattenGroups
