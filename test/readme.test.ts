/**
 * Keeps README.md true to the code:
 *
 * - every ```ts snippet is an exact excerpt of the example program it belongs to (the
 *   `<!-- example: examples/x.ts -->` marker right before it, or else the nearest preceding
 *   link to `examples/<name>.ts`): its lines, trimmed on the right, appear as a contiguous run
 *   of lines of that file, so a snippet that drifts from its file fails here, and the file
 *   itself is type-checked and run by `npm test` (test/examples.test.ts);
 * - no snippet imports the sources by a relative path (`../src/index.js`): snippets import
 *   `@helixagent/concurrency` as a user does;
 * - the README reads right on the npm registry's page, where a relative link to a file outside
 *   the package is broken: every link to a repository file is an unpkg link to a file the
 *   package contains (as `npm pack --dry-run` lists it), in-page links name a heading, and
 *   every example is linked.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("..", import.meta.url))
const readme = readFileSync(join(root, "README.md"), "utf8")
const packageName: string = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).name
const unpkg = `https://unpkg.com/${packageName}/`

const lines = (text: string) => text.replace(/\r\n/g, "\n").split("\n").map((line) => line.trimEnd())

interface Fence {
  readonly lang: string
  /** 1-based line of the opening fence. */
  readonly line: number
  /** Offset of the opening fence in the README. */
  readonly offset: number
  readonly body: ReadonlyArray<string>
}

/** The fenced code blocks of a Markdown text, indented ones (in list items) included. */
const fences = (text: string): ReadonlyArray<Fence> => {
  const all = lines(text)
  const found: Array<Fence> = []
  let offset = 0
  const offsets = all.map((line) => {
    const at = offset
    offset += line.length + 1
    return at
  })
  for (let i = 0; i < all.length; i++) {
    const open = /^( *)(`{3,}|~{3,})\s*([\w-]*)/.exec(all[i]!)
    if (open === null) continue
    const [, indent, marker, lang] = open
    const body: Array<string> = []
    let j = i + 1
    while (j < all.length && !new RegExp(`^ *${marker![0]}{${marker!.length},}\\s*$`).test(all[j]!)) {
      body.push(all[j]!.startsWith(indent!) ? all[j]!.slice(indent!.length) : all[j]!.trimStart())
      j++
    }
    if (j === all.length) throw new Error(`README.md line ${i + 1}: a code block that never closes`)
    found.push({ lang: lang!.toLowerCase(), line: i + 1, offset: offsets[i]!, body })
    i = j
  }
  return found
}

/** The README without its code blocks, for looking at its links and headings. */
const prose = (text: string): string => {
  const all = lines(text)
  const kept: Array<string> = []
  let inside: string | undefined
  for (const line of all) {
    const fence = /^ *(`{3,}|~{3,})/.exec(line)
    if (inside === undefined && fence !== null) inside = fence[1]
    else if (inside !== undefined && new RegExp(`^ *${inside[0]}{${inside.length},}\\s*$`).test(line)) {
      inside = undefined
    } else if (inside === undefined) kept.push(line)
  }
  return kept.join("\n")
}

const blocks = fences(readme)
const typeScript = blocks.filter((block) => block.lang === "ts" || block.lang === "typescript")

/** The example file a snippet belongs to: its marker, else the nearest link to an example before it. */
const exampleOf = (block: Fence): string | undefined => {
  const before = readme.slice(0, block.offset).trimEnd()
  const marker = /<!--\s*example:\s*(examples\/[\w./-]+\.ts)\s*-->$/.exec(before)
  if (marker !== null) return marker[1]
  const links = [...prose(before).matchAll(/\]\(([^)\s]*?)(examples\/[\w.-]+\.ts)\)/g)]
  return links.at(-1)?.[2]
}

/** Where `block` starts in `file` as a contiguous run of lines, or a description of the closest miss. */
const locate = (file: ReadonlyArray<string>, block: ReadonlyArray<string>): { at: number } | { miss: string } => {
  let best = { matched: -1, start: -1 }
  for (let start = 0; start + block.length <= file.length; start++) {
    let matched = 0
    while (matched < block.length && file[start + matched] === block[matched]) matched++
    if (matched === block.length) return { at: start }
    if (matched > best.matched) best = { matched, start }
  }
  if (best.matched <= 0) return { miss: `its first line is not in the file: ${JSON.stringify(block[0])}` }
  const line = best.start + best.matched
  return {
    miss: `it follows the file from line ${best.start + 1} for ${best.matched} lines, then differs:\n` +
      `  README: ${JSON.stringify(block[best.matched])}\n  file:   ${JSON.stringify(file[line])}`
  }
}

describe("README.md snippets", () => {
  it("has TypeScript snippets, each with an example file", () => {
    expect(typeScript.length).toBeGreaterThan(0)
    for (const block of typeScript) {
      const example = exampleOf(block)
      expect(example, `the snippet at README.md line ${block.line} names no example file`).toBeDefined()
      expect(existsSync(join(root, example!)), `README.md line ${block.line}: ${example} does not exist`).toBe(true)
    }
  })

  it("every TypeScript snippet is an exact excerpt of its example file", () => {
    const problems: Array<string> = []
    for (const block of typeScript) {
      const example = exampleOf(block)
      if (example === undefined || !existsSync(join(root, example))) continue
      const body = [...block.body]
      while (body.length > 0 && body[0] === "") body.shift()
      while (body.length > 0 && body.at(-1) === "") body.pop()
      if (body.length === 0) {
        problems.push(`README.md line ${block.line}: an empty snippet`)
        continue
      }
      const found = locate(lines(readFileSync(join(root, example), "utf8")), body)
      if ("miss" in found) problems.push(`README.md line ${block.line} is not an excerpt of ${example}: ${found.miss}`)
    }
    expect(problems).toEqual([])
  })

  it("no snippet imports the sources by a relative path", () => {
    const specifier = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)["']([^"']+)["']/g
    const problems = blocks.flatMap((block) =>
      block.body.flatMap((line, i) =>
        [...line.matchAll(specifier)]
          .map((match) => match[1]!)
          .filter((path) => path.startsWith(".") && /(^|\/)src(\/|$)/.test(path))
          .map((path) => `README.md line ${block.line + 1 + i} imports "${path}"; import "${packageName}" instead`)
      )
    )
    expect(problems).toEqual([])
  })
})

describe("README.md links", () => {
  const text = prose(readme)
  const targets = [
    ...[...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]!),
    ...[...text.matchAll(/\b(?:href|src)\s*=\s*["']([^"']+)["']/g)].map((match) => match[1]!)
  ]

  it("links to repository files are unpkg links to files the package contains", () => {
    // What `npm pack` puts in the package, without running `prepack` (which rebuilds dist/; the
    // README links to no file in dist/, so whether dist/ is built does not matter here).
    const packed: ReadonlySet<string> = new Set(
      JSON.parse(
        execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
          cwd: root,
          encoding: "utf8",
          stdio: ["ignore", "pipe", "pipe"]
        })
      )[0].files.map((file: { readonly path: string }) => file.path)
    )
    expect(packed.has("README.md")).toBe(true)

    const problems: Array<string> = []
    for (const target of targets) {
      if (target.startsWith("#")) continue
      if (target.startsWith(unpkg) || target.startsWith(`https://unpkg.com/${packageName}@`)) {
        const path = decodeURI(target.replace(/^https:\/\/unpkg\.com\/@[^/]+\/[^/]+\//, "").replace(/[?#].*$/, ""))
        if (!packed.has(path)) problems.push(`${target}: the package does not contain ${path} (see "files" in package.json)`)
        continue
      }
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue // another site
      problems.push(`${target}: a relative link, broken on the npm registry's page; link ${unpkg}${target.replace(/^\.?\//, "")}`)
    }
    expect(problems).toEqual([])
  })

  it("in-page links name a heading", () => {
    const slug = (heading: string) =>
      heading
        .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
        .replace(/`/g, "")
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-")
    const anchors = new Set([...text.matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)].map((match) => slug(match[1]!)))
    const missing = targets.filter((target) => target.startsWith("#") && !anchors.has(target.slice(1)))
    expect(missing).toEqual([])
  })

  it("links every example", () => {
    const examples = readdirSync(join(root, "examples")).filter((name) => name.endsWith(".ts"))
    expect(examples.length).toBeGreaterThan(0)
    const unlinked = examples.filter((name) => !targets.includes(`${unpkg}examples/${name}`))
    expect(unlinked).toEqual([])
  })
})
