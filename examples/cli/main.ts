/** `pnpm grouproles plan|apply|explain …`: the admin's command line (see `grouproles --help`). */
import { runCli } from './cli.js'

process.exitCode = await runCli(process.argv.slice(2), process.env, {
  out: (line) => {
    console.log(line)
  },
  err: (line) => {
    console.error(line)
  },
})
