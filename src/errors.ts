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
