/**
 * `pnpm demo [--target rest] [--apply | --dry-run] [--config FILE] [--ldif FILE]`: the Rocky Linux
 * example on embedded defaults (an LDIF export and an in-process database; with `--target rest` an
 * in-process fake Mattermost in Team Edition mode through the REST API, managed teams and a PGlite
 * store in a temporary folder). Set LDAP_URL/LDAP_BIND_DN/
 * LDAP_PASSWORD, DATABASE_URL or MATTERMOST_URL/MATTERMOST_TOKEN to run it against real servers (a
 * dry run there unless --apply is given). GROUPROLES_CONFIG also names the config file.
 */
import { parseArgs } from 'node:util'
import { runDemo } from './demo.js'

let args
try {
  args = parseArgs({
    options: {
      apply: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      config: { type: 'string' },
      ldif: { type: 'string' },
      target: { type: 'string' },
    },
  }).values
} catch (e) {
  console.error(`${e instanceof Error ? e.message : String(e)}
usage: pnpm demo [--target rest] [--apply | --dry-run] [--config FILE] [--ldif FILE]`)
  process.exit(2)
}
if (args.target !== undefined && args.target !== 'rest') {
  console.error(`--target: expected "rest", got ${JSON.stringify(args.target)}`)
  process.exit(2)
}
if (args.apply === true && args['dry-run'] === true) {
  console.error('--apply and --dry-run contradict each other')
  process.exit(2)
}
const apply = args.apply === true ? true : args['dry-run'] === true ? false : undefined
const result = await runDemo({
  env: process.env,
  log: (line) => {
    console.log(line)
  },
  ...(apply !== undefined ? { apply } : {}),
  ...(args.target === 'rest' ? { target: 'rest' as const } : {}),
  ...(args.config !== undefined ? { configPath: args.config } : {}),
  ...(args.ldif !== undefined ? { ldifPath: args.ldif } : {}),
})
if (result.isErr()) {
  console.error(`demo failed (${result.error.kind}): ${result.error.message}`)
  process.exitCode = result.error.kind === 'config' ? 2 : 1
}
