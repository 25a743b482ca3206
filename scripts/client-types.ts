import openapiTS, { COMMENT_HEADER, astToString, type OpenAPI3 } from 'openapi-typescript'

/** Where the generated client types live (imported by the end-to-end tests with openapi-fetch). */
export const CLIENT_TYPES_FILE = 'src/client/openapi.ts'

/**
 * TypeScript types for an OpenAPI document, exactly as `npx openapi-typescript openapi/openapi.json`
 * writes them (default options), so a user generating their own client gets the same types.
 */
export async function clientTypes (document: unknown): Promise<string> {
  const ast = await openapiTS(document as OpenAPI3, { silent: true })
  return COMMENT_HEADER + astToString(ast)
}
