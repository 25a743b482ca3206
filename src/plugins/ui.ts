import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fp from 'fastify-plugin'
import { Type } from 'typebox'
import { AppError } from '../errors.js'
import { ModelName, VersionSelector } from '../schemas/common.js'

/**
 * The dashboard at GET /ui, served by the service itself: one HTML page, the browser modules that
 * `npm run build` compiles from ui/ (ui/tsconfig.json) and its stylesheet (copied to dist/ui), and two libraries from
 * node_modules (uPlot for the charts, snarkjs's browser build to verify proofs in the page).
 * Nothing is fetched from another origin. The routes are not in the OpenAPI document: they are
 * not part of the API, and the page reads the API's own routes.
 *
 * The page's Content-Security-Policy is the service's (helmet's defaults) plus what snarkjs needs
 * to verify in the browser: 'wasm-unsafe-eval' (ffjavascript's curve arithmetic is WebAssembly)
 * and blob: workers (ffjavascript starts its threads from a Blob URL). Scripts still come only
 * from this origin; no inline script or handler is allowed.
 */
const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..', '..', '..')
const require = createRequire(import.meta.url)

export const UI_CSP = [
  "default-src 'self'", "base-uri 'self'", "font-src 'self' data:", "form-action 'self'", "frame-ancestors 'self'",
  "img-src 'self' data: blob:", "object-src 'none'", "script-src 'self' 'wasm-unsafe-eval'", "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'", "worker-src 'self' blob:", "connect-src 'self'",
].join('; ')

/** A file next to a package's main entry (uplot/dist, snarkjs/build). */
const beside = (pkg: string, file: string): string => path.join(path.dirname(require.resolve(pkg)), file)

const LIBRARIES: Record<string, { file: () => string, type: string }> = {
  'uPlot.iife.min.js': { file: () => beside('uplot', 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { file: () => beside('uplot', 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
  'snarkjs.min.js': { file: () => beside('snarkjs', 'snarkjs.min.js'), type: 'text/javascript; charset=utf-8' },
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>zkpredict</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/assets/uPlot.min.css">
<link rel="stylesheet" href="/ui/assets/style.css">
<script src="/ui/assets/uPlot.iife.min.js" defer></script>
<script type="module" src="/ui/assets/main.js"></script>
</head>
<body>
<header>
  <a class="brand" href="#/">zkpredict</a>
  <nav>
    <a href="#/">Models</a><a href="#/training">Training</a><a href="#/proofs">Proofs</a><a href="#/service">Service</a>
  </nav>
  <form id="key-form" hidden><input id="key-input" type="password" placeholder="API key" autocomplete="off"><button>Use key</button></form>
</header>
<main id="main"><p class="muted">Loading…</p></main>
</body>
</html>
`

const VersionParams = Type.Object({ name: ModelName, version: VersionSelector })

export default fp(async (app) => {
  const cache = new Map<string, Buffer>()
  const load = async (file: string): Promise<Buffer> => {
    let bytes = cache.get(file)
    if (bytes == null) {
      bytes = await readFile(file)
      cache.set(file, bytes)
    }
    return bytes
  }

  app.get('/ui', { schema: { hide: true }, config: { rateLimit: false } }, async (_request, reply) => {
    return await reply.type('text/html; charset=utf-8').header('content-security-policy', UI_CSP).header('cache-control', 'no-cache')
      .send(PAGE)
  })
  app.get('/ui/', { schema: { hide: true }, config: { rateLimit: false } }, async (_request, reply) => await reply.redirect('/ui'))

  app.get('/ui/assets/:file', {
    schema: { hide: true, params: Type.Object({ file: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }) }) },
    config: { rateLimit: false },
  }, async (request, reply) => {
    const { file } = request.params as { file: string }
    const library = LIBRARIES[file]
    // The page's own files: the modules tsc wrote to dist/ui (flat) and the stylesheet the build copies there.
    const own = /^[a-z][a-z0-9-]*\.(js|css)$/.exec(file)
    const target = library != null ? library.file() : own != null ? path.join(root, 'dist', 'ui', file) : null
    if (target == null) throw new AppError(404, 'not_found', `no dashboard file '${file}'`)
    let bytes: Buffer
    try {
      bytes = await load(target)
    } catch {
      throw new AppError(404, 'not_found', `no dashboard file '${file}'`)
    }
    const type = library?.type ?? (own?.[1] === 'css' ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8')
    return await reply.type(type).header('cache-control', 'no-cache').send(bytes)
  })

  // What the API's version view leaves out and the version page draws: the loss per fold and epoch.
  app.get('/ui/data/models/:name/versions/:version/history', {
    schema: { hide: true, params: VersionParams },
    config: { access: 'read' },
  }, async (request) => {
    const { name, version } = request.params as { name: string, version: string }
    const meta = app.services.models.resolve(name, version)
    return { name: meta.name, version: meta.version, history: meta.history ?? null }
  })
}, { name: 'ui', dependencies: ['config', 'services'] })
