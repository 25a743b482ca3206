/**
 * docs/METHOD.md section 4: the time split. The test set is the last 41 calendar days (day >= last day - 40),
 * so the model is judged on days after everything it was trained on.
 */
import { DataError } from '../errors.js';
export const TEST_DAYS = 40;
export function splitByDay(rows, testDays = TEST_DAYS) {
    if (rows.day.length === 0)
        throw new DataError('no rows to split: the daily table is empty after keeping days from the first liquidation on');
    const lastDay = rows.day.reduce((max, day) => Math.max(max, day), -Infinity);
    const testFromDay = lastDay - testDays;
    const train = emptyRows();
    const test = emptyRows();
    rows.day.forEach((day, i) => {
        const target = day >= testFromDay ? test : train;
        target.X.push(rows.X[i]);
        target.y.push(rows.y[i]);
        target.day.push(day);
        target.token.push(rows.token[i]);
    });
    if (train.day.length === 0) {
        const firstDay = rows.day.reduce((min, day) => Math.min(min, day), Infinity);
        throw new DataError(`no training rows: the data cover ${lastDay - firstDay + 1} days from the first liquidation (${isoDay(firstDay)}) ` +
            `to ${isoDay(lastDay)}, and the last ${testDays + 1} days are the test set; give data that span more than ${testDays + 1} days`);
    }
    return { train, test, testFromDay };
}
function emptyRows() {
    return { X: [], y: [], day: [], token: [] };
}
export function isoDay(day) {
    return new Date(day * 86_400_000).toISOString().slice(0, 10);
}
//# sourceMappingURL=split.js.map