import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Builds the bin (tsup) once for the cli project: the spawn tests run dist/main.js as users do. */
export default function setup(): void {
  const tsup = fileURLToPath(
    new URL('../../../node_modules/tsup/dist/cli-default.js', import.meta.url),
  )
  execFileSync(process.execPath, [tsup], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: 'pipe',
  })
}
