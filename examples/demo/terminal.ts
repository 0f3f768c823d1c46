/**
 * Where the demo writes. On a terminal: log lines scroll above a live view
 * that is redrawn in place (with Node's own `readline` cursor functions).
 * Anywhere else (CI, a pipe, a file): plain lines, no cursor movement, no
 * colour.
 */
import * as readline from "node:readline"
import { stripVTControlCharacters } from "node:util"

export interface Terminal {
  /** Whether the live view is drawn (stdout is a TTY). */
  readonly live: boolean
  /** Prints a line: above the live view on a terminal, as a plain line otherwise. */
  readonly line: (text: string) => void
  /** Replaces the live view with these lines (nothing when not live). */
  readonly frame: (lines: ReadonlyArray<string>) => void
  /** Takes the live view off the screen, leaving the lines printed above it. */
  readonly close: () => void
}

export const make = (stream: NodeJS.WriteStream = process.stdout): Terminal => {
  if (!stream.isTTY) {
    return {
      live: false,
      line: (text) => void stream.write(`${text}\n`),
      frame: () => {},
      close: () => {}
    }
  }

  let view: ReadonlyArray<string> = []
  let shown = 0 // rows of the view now on screen, all below the log lines

  const erase = () => {
    if (shown === 0) return
    readline.moveCursor(stream, 0, -shown)
    readline.cursorTo(stream, 0)
    readline.clearScreenDown(stream)
    shown = 0
  }
  const draw = () => {
    if (view.length === 0) return
    // A line wider than the terminal would wrap and throw the row count off.
    const width = Math.max(20, (stream.columns ?? 80) - 1)
    const rows = view.map((row) => stripVTControlCharacters(row).length > width ? stripVTControlCharacters(row).slice(0, width) : row)
    stream.write(`${rows.join("\n")}\n`)
    shown = rows.length
  }

  return {
    live: true,
    line: (text) => {
      erase()
      stream.write(`${text}\n`)
      draw()
    },
    frame: (lines) => {
      erase()
      view = lines
      draw()
    },
    close: () => {
      erase()
      view = []
    }
  }
}
