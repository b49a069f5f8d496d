import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { generatedFiles } from '../scripts/generated-files.js'

describe('generated files (schemas and demo assets)', () => {
  it('should be up to date with their sources (pnpm --filter @grouproles/cli generate)', async () => {
    for (const [path, text] of Object.entries(await generatedFiles()))
      expect({ path, text: readFileSync(new URL(`../${path}`, import.meta.url), 'utf8') }).toEqual({
        path,
        text,
      })
  })
})
