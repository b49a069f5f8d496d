/**
 * Writes what this package publishes beside its code, from their sources: the JSON Schemas (from
 * the config decoder and the output shapes) and the demo assets (from examples/rocky-linux).
 * `pnpm --filter @grouproles/cli generate`; a test fails when a written file is out of date.
 */
import { writeFileSync } from 'node:fs'
import { generatedFiles } from './generated-files.js'

for (const [path, text] of Object.entries(await generatedFiles()))
  writeFileSync(new URL(`../${path}`, import.meta.url), text)
