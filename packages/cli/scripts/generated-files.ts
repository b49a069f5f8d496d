import { readFile } from 'node:fs/promises'
import { mattermostSeed } from '../../../examples/rocky-linux/mattermost-seed.js'
import { configJsonSchema } from '../src/config/config-schema.js'
import { outputJsonSchemas } from '../src/output-shapes.js'

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`
const example = (name: string) =>
  readFile(new URL(`../../../examples/rocky-linux/${name}`, import.meta.url), 'utf8')

/** Every generated file of the package (path from the package root → text). */
export async function generatedFiles(): Promise<Record<string, string>> {
  const outputs = Object.fromEntries(
    Object.entries(outputJsonSchemas()).map(([name, schema]) => [
      `schema/${name}.schema.json`,
      json(schema),
    ]),
  )
  return {
    'schema/config.schema.json': json(configJsonSchema()),
    ...outputs,
    'assets/demo-config.json': await example('config.json'),
    'assets/demo-directory.ldif': await example('directory.ldif'),
    'assets/demo-mattermost.json': json(mattermostSeed),
  }
}
