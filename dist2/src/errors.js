/**
 * One error type for the whole service. Every 4xx the API sends is an AppError turned into
 * `{error, message}` by the app's error handler; anything else is a real server fault (5xx).
 */
export class AppError extends Error {
    statusCode;
    code;
    /** Where the problem is, when known: file/dataset, column or field, row. Dataset rows are 1-based data rows (the first record after a
     * CSV header is row 1); request rows (instances[i]) are 0-based array indices, as written in the message. */
    where;
    constructor(statusCode, code, message, where) {
        super(message);
        this.name = 'AppError';
        this.statusCode = statusCode;
        this.code = code;
        this.where = where;
    }
}
/** Bad input data (a dataset file, a URL, a row): 400 unless said otherwise. */
export class DataError extends AppError {
    constructor(message, where, statusCode = 400) {
        super(statusCode, 'invalid_data', message, where);
        this.name = 'DataError';
    }
}
/** A model version that cannot be turned into a circuit: it still serves predictions without proofs. */
export class NotProvableError extends Error {
    constructor(message) {
        super(message);
        this.name = 'NotProvableError';
    }
}
//# sourceMappingURL=errors.js.map