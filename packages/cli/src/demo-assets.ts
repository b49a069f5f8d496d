import { fileURLToPath } from 'node:url'

// From src/ (tests) and from dist/ (the installed bin) alike, the assets are one folder up.
const assets = (name: string): string =>
  fileURLToPath(new URL(`../assets/${name}`, import.meta.url))

/** The Rocky Linux demo shipped with the package: its config, directory export and Mattermost. */
export const demoAssets: {
  readonly config: string
  readonly ldif: string
  readonly mattermost: string
} = {
  config: assets('demo-config.json'),
  ldif: assets('demo-directory.ldif'),
  mattermost: assets('demo-mattermost.json'),
}

/** The package's own folder (for `$schema` paths and `--version`). */
export const packageRoot: string = fileURLToPath(new URL('..', import.meta.url))
