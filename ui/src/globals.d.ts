/** The two libraries the page loads as classic scripts (src/plugins/ui.ts serves them from node_modules). */
interface UPlotSeries { label?: string, stroke?: string, width?: number, dash?: number[], points?: { show: boolean, size?: number }, scale?: string }
interface UPlotOptions {
  width: number
  height: number
  title?: string
  scales?: Record<string, { time?: boolean, range?: [number, number] | ((u: unknown, min: number, max: number) => [number, number]), auto?: boolean }>
  series: UPlotSeries[]
  axes?: Array<{ label?: string, scale?: string, side?: number, values?: (u: unknown, splits: number[]) => string[] }>
  legend?: { show: boolean }
  cursor?: { show: boolean }
}
interface UPlotInstance { destroy: () => void, setData: (data: Array<Array<number | null>>) => void }
declare const uPlot: new (options: UPlotOptions, data: Array<Array<number | null>>, target: HTMLElement) => UPlotInstance

interface SnarkjsVerifier { verify: (vk: unknown, publicSignals: string[], proof: unknown, logger?: unknown) => Promise<boolean> }
declare const snarkjs: { groth16: SnarkjsVerifier, plonk: SnarkjsVerifier }
