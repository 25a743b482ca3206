/** A small element builder: text always goes in as text nodes, never as HTML. */
type Child = Node | string | number | null | undefined | false
export function h<K extends keyof HTMLElementTagNameMap> (tag: K, attrs: Record<string, string | number | boolean | EventListener | undefined> = {}, ...children: Array<Child | Child[]>): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value)
    else if (value === true) el.setAttribute(name, '')
    else el.setAttribute(name, String(value))
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue
    el.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
  return el
}

export function fmt (value: unknown, digits = 3): string {
  if (value == null) return '–'
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(digits)
  return String(value)
}

export function when (iso: string | undefined): string {
  if (iso == null) return '–'
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')
}

export function table (headers: string[], rows: Child[][], className = ''): HTMLTableElement {
  return h('table', { class: className }, h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))), h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))))
}

export function section (title: string, ...children: Array<Child | Child[]>): HTMLElement {
  return h('section', {}, h('h2', {}, title), ...children)
}
