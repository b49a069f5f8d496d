import { Client } from 'ldapts'
import { startSlapd } from '../test/support/slapd.js'
import { bindDn, bindPassword, suffix } from '../test/support/freeipa-fixture.js'
import { readDirectory } from '../src/index.js'
const url = process.argv[2]!
for (let r = 0; r < 3; r++) {
  const c = new Client({ url })
  await c.bind(bindDn, bindPassword)
  let t = performance.now(); let n = 0
  for await (const p of c.searchPaginated(`cn=users,cn=accounts,${suffix}`, { filter: '(objectClass=posixAccount)', attributes: ['uid','ipaUniqueID','mail','nsAccountLock'], paged: { pageSize: 1000 } })) n += p.searchEntries.length
  const tu = performance.now() - t; t = performance.now()
  for await (const p of c.searchPaginated(`cn=groups,cn=accounts,${suffix}`, { filter: '(objectClass=ipaUserGroup)', attributes: ['cn','ipaUniqueID','member','ipaExternalMember'], paged: { pageSize: 1000 } })) n += p.searchEntries.length
  const tg = performance.now() - t
  await c.unbind()
  t = performance.now()
  await readDirectory({ url, bindDn, password: bindPassword, preset: 'freeipa', baseDn: suffix, pageSize: 1000 })
  console.log({ n, users: tu.toFixed(0), groups: tg.toFixed(0), full: (performance.now() - t).toFixed(0) })
}
void startSlapd
