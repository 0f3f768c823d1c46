/**
 * Every export of the package's entries, and every field of its public
 * types, has documentation an editor shows on hover: read from the sources
 * with the TypeScript compiler, as a language service reads them.
 */
import { describe, expect, it } from "vitest"
import ts from "typescript"
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

/** The sources of the entries package.json exports (`./dist/x.js` is built from `src/x.ts`). */
const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  readonly exports: Record<string, string | { readonly import?: string }>
}
const entries = Object.values(packageJson.exports)
  .flatMap((target) => typeof target === "object" && target.import !== undefined ? [target.import] : [])
  .map((built) => fileURLToPath(new URL(built.replace("./dist/", "../src/").replace(/\.js$/, ".ts"), import.meta.url)))
  .filter((source) => existsSync(source))

const program = ts.createProgram(entries, {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  exactOptionalPropertyTypes: true,
  skipLibCheck: true,
  noEmit: true
})
const checker = program.getTypeChecker()

const docOf = (symbol: ts.Symbol): string => ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim()

const isOwn = (symbol: ts.Symbol): boolean =>
  (symbol.declarations ?? []).some((declaration) => declaration.getSourceFile().fileName.includes("/src/"))

/** Every export of an entry, namespaces (`export * as X`) opened one level. */
const exportsOf = (entry: string): Array<[string, ts.Symbol]> => {
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!
  const found: Array<[string, ts.Symbol]> = []
  for (const symbol of checker.getExportsOfModule(module)) {
    found.push([symbol.name, symbol])
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
    if (target.flags & ts.SymbolFlags.ValueModule) {
      for (const member of checker.getExportsOfModule(target)) found.push([`${symbol.name}.${member.name}`, member])
    }
  }
  return found
}

/** The fields of the package's own interfaces, type literals and classes that an export names. */
const fieldsOf = (name: string, symbol: ts.Symbol): Array<[string, ts.Symbol]> => {
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
  if (!(target.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class | ts.SymbolFlags.TypeAlias))) return []
  const type = checker.getDeclaredTypeOfSymbol(target)
  if (!(type.flags & ts.TypeFlags.Object)) return []
  return checker.getPropertiesOfType(type)
    .filter((property) => isOwn(property) && !property.name.startsWith("_") && !property.name.startsWith("__@"))
    .map((property): [string, ts.Symbol] => [`${name}.${property.name}`, property])
}

describe("the package's documentation", () => {
  for (const entry of entries) {
    const exported = exportsOf(entry)
    const label = entry.slice(entry.indexOf("/src/"))

    it(`documents every export of ${label}`, () => {
      expect(exported.length).toBeGreaterThan(0)
      const undocumented = exported.filter(([, symbol]) => docOf(symbol) === "").map(([name]) => name)
      expect(undocumented, "exports an editor shows no documentation for").toEqual([])
    })

    it(`documents every field of the public types of ${label}`, () => {
      const fields = exported.flatMap(([name, symbol]) => fieldsOf(name, symbol))
      expect(fields.length).toBeGreaterThan(0)
      const undocumented = fields.filter(([, symbol]) => docOf(symbol) === "").map(([name]) => name)
      expect(undocumented, "fields an editor shows no documentation for").toEqual([])
    })
  }
})
