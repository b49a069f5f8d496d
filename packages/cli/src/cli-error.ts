/**
 * Why a command stopped. `usage` and `badInput` are the caller's to fix (exit 2: a wrong flag, a
 * missing or unreadable file, a config or LDIF error, an empty directory); `failure` is a runtime
 * failure (exit 1: a server refused, a plan went stale, a command failed).
 */
export interface CliError {
  readonly kind: 'usage' | 'badInput' | 'failure'
  /** What went wrong, the kind of the underlying error when there is one (e.g. `stalePlan`). */
  readonly code: string
  /** One line for a person; never a stack trace, never a secret. */
  readonly message: string
}

export const usageError = (message: string, code = 'usage'): CliError => ({
  kind: 'usage',
  code,
  message,
})
export const badInput = (code: string, message: string): CliError => ({
  kind: 'badInput',
  code,
  message,
})
export const failure = (code: string, message: string): CliError => ({
  kind: 'failure',
  code,
  message,
})

/** The process exit code of an error: 2 for the caller's input, 1 for a runtime failure. */
export function exitCodeOf(error: CliError, detailed = false): number {
  // Under --detailed-exitcode, 2 means "changes pending": every error is 1, as in Terraform.
  if (detailed) return 1
  return error.kind === 'failure' ? 1 : 2
}

/** The one-line message of anything thrown where nothing should throw (never its stack). */
export function messageOf(e: unknown): string {
  return e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : String(e)
}
