import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { pathToFileURL } from "node:url"
import { type ResourceLimits, Worker } from "node:worker_threads"

const typeScript = /\.(?:c|m)?tsx?$/

/**
 * The `file:` URL of tsx's ESM registration API, read from tsx's own
 * `exports` so that no path inside the package is assumed. Throws when tsx
 * is not installed, with what to do instead.
 */
const tsxApi = (): string => {
  const require = createRequire(import.meta.url)
  let manifest: string
  try {
    manifest = require.resolve("tsx/package.json")
  } catch {
    throw new Error(
      "a thread module written in TypeScript needs tsx (npm install --save-dev tsx); " +
        "or build the module to JavaScript and pass the .js file as script"
    )
  }
  const exported = JSON.parse(readFileSync(manifest, "utf8")).exports?.["./esm/api"]?.import?.default
  if (typeof exported !== "string") throw new Error(`tsx at ${dirname(manifest)} has no ESM API (tsx/esm/api)`)
  return pathToFileURL(join(dirname(manifest), exported)).href
}

/**
 * Starts one thread on the module at `script`. A JavaScript module is the
 * thread's entry as it is. A TypeScript module is loaded through tsx,
 * registered inside the thread: Node 20 does not apply the loader hooks of
 * `--import tsx` to worker threads, so the entry is a two-line bootstrap that
 * registers tsx there and then imports the module.
 *
 * @internal
 */
export const spawnThread = (script: URL, resourceLimits: ResourceLimits | undefined): Worker => {
  const options = resourceLimits === undefined ? {} : { resourceLimits }
  if (!typeScript.test(script.pathname)) return new Worker(script, options)
  const bootstrap = `import(${JSON.stringify(tsxApi())})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(script.href)}) })` +
    `.catch((error) => { setImmediate(() => { throw error }) })`
  return new Worker(bootstrap, { ...options, eval: true })
}
