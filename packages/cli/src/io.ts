/** Where the CLI reads and writes; injected so tests see what a person would see. */
export interface Io {
  /** Writes one line to stdout. */
  readonly out: (line: string) => void
  /** Writes one line to stderr. */
  readonly err: (line: string) => void
  /** Writes raw text to stderr (a live progress line on a terminal). */
  readonly errRaw: (text: string) => void
  /** The caller's directory: paths on the command line resolve from it. */
  readonly cwd: string
  /** stderr is a terminal: progress is one line rewritten in place. */
  readonly stderrIsTty: boolean
}

/** The process's own streams and directory. */
export function processIo(): Io {
  return {
    out: (line) => {
      process.stdout.write(`${line}\n`)
    },
    err: (line) => {
      process.stderr.write(`${line}\n`)
    },
    errRaw: (text) => {
      process.stderr.write(text)
    },
    cwd: process.cwd(),
    stderrIsTty: process.stderr.isTTY,
  }
}
