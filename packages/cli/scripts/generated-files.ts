import { readFile } from 'node:fs/promises'
import { mattermostSeed } from '../../../examples/rocky-linux/mattermost-seed.js'
import { configJsonSchema } from '../src/config/config-schema.js'
import { outputJsonSchemas } from '../src/output-shapes.js'

// As the repository's prettier writes them, so `prettier --check` and this comparison agree.
const json = async (value: unknown, path: string): Promise<string> => {
  const prettier = await import('prettier')
  const options = await prettier.resolveConfig(new URL(`../${path}`, import.meta.url))
  return prettier.format(JSON.stringify(value, null, 2), { ...options, filepath: path })
}
const example = (name: string) =>
  readFile(new URL(`../../../examples/rocky-linux/${name}`, import.meta.url), 'utf8')

/** Every generated file of the package (path from the package root → text). */
export async function generatedFiles(): Promise<Record<string, string>> {
  const outputs = Object.fromEntries(
    await Promise.all(
      Object.entries(outputJsonSchemas()).map(async ([name, schema]) => {
        const path = `schema/${name}.schema.json`
        return [path, await json(schema, path)] as const
      }),
    ),
  )
  return {
    'schema/config.schema.json': await json(configJsonSchema(), 'schema/config.schema.json'),
    ...outputs,
    'assets/demo-config.json': await example('config.json'),
    'assets/demo-directory.ldif': await example('directory.ldif'),
    'assets/demo-mattermost.json': await json(mattermostSeed, 'assets/demo-mattermost.json'),
  }
}
