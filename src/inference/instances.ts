import type { Table } from 'apache-arrow'
import { AppError } from '../errors.js'
import type { LoadedModel } from './predictor.js'

const FLOAT32_MAX = 3.4028234663852886e38

function badValue (row: number, field: string | number, message: string): AppError {
  const where = typeof field === 'number' ? `instances[${row}][${field}]` : `instances[${row}].${field}`
  return new AppError(400, 'invalid_instance', `${where}: ${message}`, { row, field: String(field) })
}

function checkValue (value: unknown, row: number, field: string | number): number {
  if (typeof value !== 'number') throw badValue(row, field, `expected a number, got ${value === null ? 'null' : typeof value}`)
  if (!Number.isFinite(value)) throw badValue(row, field, 'is not a finite number')
  if (Math.abs(value) > FLOAT32_MAX) throw badValue(row, field, `${value} is outside the float32 range of the model input`)
  return value
}

function featureList (model: LoadedModel): string {
  return [...(model.featureIndex?.keys() ?? [])].join(', ')
}

/**
 * JSON instances to the model's input layout: positional rows in input order, or named rows
 * mapped through the version's feature names. Every problem names its row and field.
 */
export interface ModelInput {
  /**
   * The numbers exactly as the client sent them: a proof's public inputs are these. The model runs on
   * them rounded to float32, which the predictor does when it fills its run's input.
   */
  exact: Float64Array
  rows: number
}

export function instancesToTensor (instances: Array<number[] | Record<string, number>>, model: LoadedModel): ModelInput {
  const rows = instances.length
  const width = model.width
  const exact = new Float64Array(rows * width)
  for (let r = 0; r < rows; r++) {
    const instance = instances[r]
    if (Array.isArray(instance)) {
      if (instance.length !== width) {
        throw new AppError(400, 'invalid_instance',
          `instances[${r}] has ${instance.length} values; the model takes ` +
          `${width}${model.featureIndex != null ? ` (${featureList(model)})` : ''}`, { row: r, field: 'instances' })
      }
      for (let c = 0; c < width; c++) exact[r * width + c] = checkValue(instance[c], r, c)
      continue
    }
    if (instance === null || typeof instance !== 'object') {
      throw badValue(r, 'instances',
        'expected an array of numbers or an object of feature values')
    }
    if (model.featureIndex == null) {
      throw new AppError(400, 'invalid_instance',
        `instances[${r}] names its features, but this model version has no feature names: send positional rows of ${width} numbers`,
        { row: r, field: 'instances' })
    }
    let seen = 0
    for (const [name, value] of Object.entries(instance)) {
      const column = model.featureIndex.get(name)
      if (column == null) throw badValue(r, name, `unknown feature '${name.slice(0, 80)}'; the model's features are ${featureList(model)}`)
      exact[r * width + column] = checkValue(value, r, name)
      seen++
    }
    if (seen !== width) {
      const missing = [...model.featureIndex.keys()].filter((f) => !(f in instance))
      throw new AppError(400, 'invalid_instance', `instances[${r}] lacks feature(s): ${missing.join(', ')}`, {
        row: r,
        field: missing[0] ?? 'instances'
      })
    }
  }
  return { exact, rows }
}

/**
 * An Arrow IPC stream with one column per feature (named as the model's features, or in input
 * order when the model has no names) to the model's input layout.
 */
export async function arrowToTensor (body: Uint8Array, model: LoadedModel, maxRows: number): Promise<ModelInput> {
  // Loaded on the first Arrow request: apache-arrow adds ~18 MB to a process that may only see JSON.
  const { tableFromIPC } = await import('apache-arrow')
  let table: Table
  try {
    table = tableFromIPC(body)
  } catch (err) {
    throw new AppError(400, 'invalid_arrow', `the body is not an Arrow IPC stream: ${(err as Error).message}`)
  }
  const rows = table.numRows
  if (rows === 0) throw new AppError(400, 'invalid_arrow', 'the Arrow stream has no rows')
  if (rows > maxRows) {
    throw new AppError(400, 'batch_too_large',
    `the Arrow stream has ${rows} rows; at most ${maxRows} are allowed per request`)
  }
  const width = model.width
  const names = table.schema.fields.map((f) => f.name)
  let order: number[]
  if (model.featureIndex != null && names.every((n) => model.featureIndex?.has(n) === true)) {
    if (names.length !== width) {
      const missing = [...model.featureIndex.keys()].filter((f) => !names.includes(f))
      throw new AppError(400, 'invalid_arrow', `the Arrow stream lacks column(s): ${missing.join(', ')}`, { column: missing[0] ?? '' })
    }
    order = names.map((n) => model.featureIndex?.get(n) as number)
  } else {
    const unknown = model.featureIndex == null ? undefined : names.find((n) => model.featureIndex?.has(n) !== true)
    if (unknown != null && names.length === width && model.featureIndex != null) {
      throw new AppError(400, 'invalid_arrow', `unknown column '${unknown.slice(0, 80)}'; the model's features are ${featureList(model)}`,
        { column: unknown })
    }
    if (names.length !== width) {
      throw new AppError(400, 'invalid_arrow',
      `the Arrow stream has ${names.length} columns; the model takes ${width}`)
    }
    order = names.map((_, i) => i)
  }
  const exact = new Float64Array(rows * width)
  for (let c = 0; c < names.length; c++) {
    const column = table.getChildAt(c)
    const target = order[c]
    const typeName = String(column?.type)
    if (column == null || !/^(Float|Int|Uint)/.test(typeName)) {
      throw new AppError(400, 'invalid_arrow', `column '${names[c]}' has type ${typeName}; numbers are required`, { column: names[c] })
    }
    for (let r = 0; r < rows; r++) {
      const v = column.get(r) as number | bigint | null
      if (v == null) throw new AppError(400, 'invalid_arrow', `column '${names[c]}', row ${r}: null value`, { column: names[c], row: r })
      const n = Number(v)
      if (!Number.isFinite(n) || Math.abs(n) > FLOAT32_MAX) {
        throw new AppError(400, 'invalid_arrow',
        `column '${names[c]}', row ${r}: ${n} is not a finite float32 number`, { column: names[c], row: r })
      }
      exact[r * width + target] = n
    }
  }
  return { exact, rows }
}
