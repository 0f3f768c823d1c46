/**
 * Draws the per-task cost of every contender in every workload as a grouped
 * horizontal bar chart, written by hand as SVG text: one group per
 * workload, one bar per contender, on a log scale.
 */
import type { WorkloadSummary } from "./report.js"

const escape = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

/** A color per contender, the same in every group; ours in warm colors. */
const colorOf = (name: string, kind: string): string => {
  if (name.startsWith("pool (bare)")) return "#d62728"
  if (name.startsWith("pool runAll")) return "#ff9896"
  if (name.startsWith("pool (timeout")) return "#ff7f0e"
  if (name.startsWith("pool (tracer")) return "#f7b6d2"
  if (name.startsWith("pool (keys")) return "#e377c2"
  if (name.startsWith("pool submitBatch")) return name.includes("1,024") ? "#bcbd22" : "#8c564b"
  if (name.startsWith("raw")) return "#7f7f7f"
  if (name.startsWith("fiber per task")) return "#393b79"
  if (name.startsWith("Effect.forEach")) return "#2ca02c"
  if (name.startsWith("p-queue")) return "#1f77b4"
  if (name.startsWith("p-limit")) return "#17becf"
  if (name.startsWith("fastq")) return "#9467bd"
  if (name.startsWith("async")) return "#aec7e8"
  return kind === "ours" ? "#d62728" : "#c7c7c7"
}

const formatNs = (ns: number) => {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(ns >= 1e7 ? 0 : 1)} ms`
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(ns >= 1e4 ? 0 : 1)} µs`
  return `${ns.toFixed(ns >= 10 ? 0 : 1)} ns`
}

/** Splits a line at spaces so that no piece is longer than `width` characters. */
const wrap = (line: string, width: number): Array<string> => {
  const pieces: Array<string> = []
  let current = ""
  for (const word of line.split(" ")) {
    if (current.length > 0 && current.length + 1 + word.length > width) {
      pieces.push(current)
      current = word
    } else {
      current = current.length > 0 ? `${current} ${word}` : word
    }
  }
  if (current.length > 0) pieces.push(current)
  return pieces
}

export const renderChart = (workloads: ReadonlyArray<WorkloadSummary>, footer: ReadonlyArray<string>): string => {
  const width = 1100
  const labelWidth = 330
  const valueWidth = 80
  const plotLeft = labelWidth
  const plotWidth = width - labelWidth - valueWidth - 20
  const barHeight = 16
  const barGap = 4
  const groupHeader = 30
  const groupGap = 14
  const top = 70

  const values = workloads.flatMap((w) => w.contenders.map((c) => c.nsPerTask.median)).filter((v) => v > 0)
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...values, 100))))
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, 1000))))
  const x = (ns: number) => plotLeft + (Math.log10(Math.max(ns, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) * plotWidth

  let y = top
  const body: Array<string> = []
  for (const w of workloads) {
    body.push(
      `<text x="10" y="${y + 20}" class="group">${escape(w.title)}</text>`
    )
    y += groupHeader
    for (const c of w.contenders) {
      const ns = c.nsPerTask.median
      const end = x(ns)
      const color = colorOf(c.name, c.kind)
      const weight = c.kind === "ours" ? " bold" : ""
      body.push(
        `<text x="${plotLeft - 8}" y="${y + barHeight - 4}" class="label${weight}" text-anchor="end">${escape(c.name)}</text>`,
        `<rect x="${plotLeft}" y="${y}" width="${Math.max(1, end - plotLeft).toFixed(1)}" height="${barHeight}" fill="${color}"/>`,
        `<line x1="${x(c.nsPerTask.min).toFixed(1)}" x2="${x(c.nsPerTask.max).toFixed(1)}" y1="${y + barHeight / 2}" y2="${
          y + barHeight / 2
        }" class="range"/>`,
        `<text x="${(Math.max(end, x(c.nsPerTask.max)) + 6).toFixed(1)}" y="${y + barHeight - 4}" class="value">${
          formatNs(ns)
        }</text>`
      )
      y += barHeight + barGap
    }
    y += groupGap
  }
  const bottom = y
  const axis: Array<string> = []
  for (let decade = lo; decade <= hi * 1.0001; decade *= 10) {
    const gx = x(decade).toFixed(1)
    axis.push(
      `<line x1="${gx}" x2="${gx}" y1="${top - 6}" y2="${bottom}" class="grid"/>`,
      `<text x="${gx}" y="${top - 10}" class="tick" text-anchor="middle">${formatNs(decade)}</text>`,
      `<text x="${gx}" y="${bottom + 16}" class="tick" text-anchor="middle">${formatNs(decade)}</text>`
    )
    for (let minor = 2; minor < 10 && decade < hi; minor++) {
      const mx = x(decade * minor).toFixed(1)
      axis.push(`<line x1="${mx}" x2="${mx}" y1="${top}" y2="${bottom}" class="minor"/>`)
    }
  }
  const footerTop = bottom + 40
  const footerLines = footer.flatMap((line) => wrap(line, 170)).map((line, i) =>
    `<text x="10" y="${footerTop + i * 18}" class="footer">${escape(line)}</text>`
  )
  const height = footerTop + footerLines.length * 18 + 10
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<style>
  .title { font-size: 18px; font-weight: bold; fill: #222; }
  .subtitle { font-size: 12px; fill: #555; }
  .group { font-size: 14px; font-weight: bold; fill: #222; }
  .label { font-size: 12px; fill: #333; }
  .bold { font-weight: bold; }
  .value { font-size: 11px; fill: #333; }
  .tick { font-size: 11px; fill: #666; }
  .footer { font-size: 11px; fill: #555; }
  .grid { stroke: #bbb; stroke-width: 1; }
  .minor { stroke: #eee; stroke-width: 1; }
  .range { stroke: #000; stroke-opacity: 0.45; stroke-width: 1.5; }
</style>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="10" y="24" class="title">Per-task cost by contender and workload (median wall time / tasks, log scale)</text>`,
    `<text x="10" y="42" class="subtitle">Shorter is better. The thin line across each bar spans min to max of the measured rounds; our pool's configurations are in bold.</text>`,
    ...axis,
    ...body,
    ...footerLines,
    `</svg>`,
    ""
  ].join("\n")
}
