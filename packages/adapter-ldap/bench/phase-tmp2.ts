import { bindDn, bindPassword, suffix } from '../test/support/freeipa-fixture.js'
import { readDirectory } from '../src/index.js'
const url = process.argv[2]!
for (let r = 0; r < 3; r++) {
  const t = performance.now()
  await readDirectory({ url, bindDn, password: bindPassword, preset: 'freeipa', baseDn: suffix, pageSize: 1000 })
  console.log((performance.now() - t).toFixed(0))
}
