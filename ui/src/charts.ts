import { h } from './dom.js'

/**
 * uPlot line charts. Each chart's container carries `data-chart` (its name) and `data-points`
 * (points per series, and the first and last y of each) so that a reader, or a browser test,
 * can check which data a chart was drawn from.
 */
export const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777']

export interface Series { label: string, y: Array<number | null>, color?: string, dash?: boolean, points?: boolean }

export function lineChart (name: string, title: string, x: number[], series: Series[], axes: { x: string, y: string, unit?: boolean }): HTMLElement {
  const box = h('div', { class: 'chart', 'data-chart': name })
  box.dataset.points = JSON.stringify(series.map((s) => ({ label: s.label, n: s.y.filter((v) => v != null).length, first: s.y.find((v) => v != null) ?? null, last: [...s.y].reverse().find((v) => v != null) ?? null })))
  const options: UPlotOptions = {
    width: 460,
    height: 280,
    title,
    scales: { x: { time: false, ...(axes.unit === true ? { range: [0, 1] as [number, number] } : {}) }, ...(axes.unit === true ? { y: { range: [0, 1] as [number, number] } } : {}) },
    series: [
      { label: axes.x },
      ...series.map((s, i) => ({
        label: s.label,
        stroke: s.color ?? COLORS[i % COLORS.length],
        width: s.dash === true ? 1 : 2,
        ...(s.dash === true ? { dash: [6, 4] } : {}),
        points: { show: s.points === true, size: 5 },
      })),
    ],
    axes: [{ label: axes.x }, { label: axes.y }],
  }
  // uPlot needs the element in the document to measure; draw on the next frame.
  requestAnimationFrame(() => { new uPlot(options, [x, ...series.map((s) => s.y)], box) }) // eslint-disable-line no-new, new-cap -- uPlot's own name
  return box
}

/** A live chart whose data is replaced as it comes (the service panel). */
export function liveChart (name: string, title: string, labels: string[], yLabel: string): { el: HTMLElement, update: (x: number[], ys: number[][]) => void } {
  const el = h('div', { class: 'chart', 'data-chart': name })
  let plot: UPlotInstance | null = null
  return {
    el,
    update: (x, ys) => {
      el.dataset.points = JSON.stringify(ys.map((y, i) => ({ label: labels[i], n: y.length, last: y[y.length - 1] ?? null })))
      if (plot == null) {
        // eslint-disable-next-line new-cap -- uPlot's own name
        plot = new uPlot({
          width: 540,
          height: 220,
          title,
          scales: { x: { time: true } },
          series: [{}, ...labels.map((label, i) => ({ label, stroke: COLORS[i % COLORS.length], width: 2 }))],
          axes: [{}, { label: yLabel }],
        }, [x, ...ys], el)
      } else {
        plot.setData([x, ...ys])
      }
    },
  }
}
