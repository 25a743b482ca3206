/**
 * One error type for the whole service. Every 4xx the API sends is an AppError turned into
 * `{error, message}` by the app's error handler; anything else is a real server fault (5xx).
 */
export class AppError extends Error {
  readonly statusCode: number
  readonly code: string
  /** Where the problem is, when known: file/dataset, column or field, row. Dataset rows are 1-based data rows (the first record after a
   * CSV header is row 1); request rows (instances[i]) are 0-based array indices, as written in the message. */
  readonly where?: Record<string, string | number>

  constructor (statusCode: number, code: string, message: string, where?: Record<string, string | number>) {
    super(message)
    this.name = 'AppError'
    this.statusCode = statusCode
    this.code = code
    this.where = where
  }
}

/** Bad input data (a dataset file, a URL, a row): 400 unless said otherwise. */
export class DataError extends AppError {
  constructor (message: string, where?: { file?: string, column?: string, row?: number }, statusCode = 400) {
    super(statusCode, 'invalid_data', message, where as Record<string, string | number> | undefined)
    this.name = 'DataError'
  }
}

/** A model version that cannot be turned into a circuit: it still serves predictions without proofs. */
export class NotProvableError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'NotProvableError'
  }
}

/**
 * A stored file (in DATA_DIR) that cannot be used: the service's fault, never the client's. Answered 500
 * `storage_damaged` naming the item (model version, proof, job) and the file; logged once where it is found.
 */
export class StorageDamagedError extends AppError {
  constructor (item: string, damage: { file: string, reason: string }) {
    super(500, 'storage_damaged', `${item} cannot be used: its stored file ${damage.file} is damaged (${damage.reason}); ` +
      "this is the service's fault, not the request's: the operator must restore or remove the file (see the service's log)",
    { item, file: damage.file })
    this.name = 'StorageDamagedError'
  }
}
