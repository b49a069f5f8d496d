/**
 * `pnpm demo`: the Rocky Linux example on embedded defaults (an LDIF export and an in-process
 * database). Set LDAP_URL/LDAP_BIND_DN/LDAP_PASSWORD or DATABASE_URL to run it against real servers
 * (a dry run there unless --apply is given).
 */
import { runDemo } from './demo.js'

const apply = process.argv.includes('--apply')
  ? true
  : process.argv.includes('--dry-run')
    ? false
    : undefined
const result = await runDemo({
  env: process.env,
  log: (line) => {
    console.log(line)
  },
  ...(apply !== undefined ? { apply } : {}),
})
if (result.isErr()) {
  console.error(`demo failed (${result.error.kind}): ${result.error.message}`)
  process.exitCode = 1
}
