/**
 * The feature set that belongs to each recipe, as rows with the labelled day and the persistence
 * baseline's score: `tutorial` METHOD's mixed-token rows, `default` METHOD's per-token rows, `nowcast`
 * and `forecast` the lag feature sets of lags.ts. METHOD's split (test = the last 41 labelled days)
 * and the min-max scaler fitted on its training rows make the FeatureDataset the final model trains on;
 * for `tutorial` and `default` that is exactly buildFeatureDataset's (same rows, same order, same scaler).
 */
import { DataError } from '../errors.js'
import type { GizaDatasets } from '../data/types.js'
import { buildDailyTable } from './daily-table.js'
import { computeFeatures, featureNames } from './features.js'
import {
  buildForecastFeatures, buildNowcastFeatures, selectRows, withPersistence,
  type FeatureTransform, type NowcastExtra, type NowcastInputs, type LagFeatureSet, type LagRows,
} from './lags.js'
import { fitMinMaxScaler } from './scaler.js'
import { isoDay, TEST_DAYS } from './split.js'
import type { FeatureDataset, FeatureVariant, FeatureWindow } from './types.js'

export type RecipeFeatureName = 'tutorial' | 'default' | 'nowcast' | 'forecast'

export interface RecipeFeatureSet extends LagFeatureSet {
  variant: FeatureVariant
  window: FeatureWindow
}

export function buildRecipeFeatures (
  data: GizaDatasets, recipe: RecipeFeatureName, window: FeatureWindow, horizon?: number, nowcastExtras?: readonly NowcastExtra[],
  nowcastInputs?: Partial<NowcastInputs>
): RecipeFeatureSet {
  const table = buildDailyTable(data)
  if (recipe === 'nowcast') return { ...buildNowcastFeatures(table, window, nowcastExtras, nowcastInputs), variant: 'per-token', window }
  if (recipe === 'forecast') return { ...buildForecastFeatures(table, horizon), variant: 'per-token', window }
  const variant: FeatureVariant = recipe === 'tutorial' ? 'tutorial' : 'per-token'
  const rows = withPersistence(table, computeFeatures(table, variant, window))
  const names = featureNames(window)
  const transforms: FeatureTransform[] = names.map((name) => ({
    feature: name,
    transform: 'identity',
    source: name,
    description: `METHOD.md's ${name} (${variant === 'tutorial' ? "the tutorial's mixed-token windows" : 'per token'})`,
  }))
  return { target: 'same-day', horizon: 0, featureNames: names, transforms, rows, variant, window }
}

/** METHOD.md sec. 4 on labelled days: test = day >= last day - 40; the scaler is fitted on the training rows. */
export function methodSplit (set: RecipeFeatureSet, testDays = TEST_DAYS): FeatureDataset & { train: LagRows, test: LagRows } {
  const { rows } = set
  if (rows.day.length === 0) throw new DataError('no rows to split')
  const last = rows.day.reduce((a, b) => Math.max(a, b), -Infinity)
  const testFromDay = last - testDays
  const train = selectRows(rows, (i) => rows.day[i] < testFromDay)
  const test = selectRows(rows, (i) => rows.day[i] >= testFromDay)
  if (train.y.length === 0) {
    throw new DataError(`no training rows before ${isoDay(testFromDay)}: give data that span more than ${testDays + 1} days`)
  }
  if (test.y.length === 0) throw new DataError(`no test rows on or after ${isoDay(testFromDay)}`)
  return {
    variant: set.variant,
    window: set.window,
    featureNames: set.featureNames,
    testFromDay,
    train,
    test,
    scaler: fitMinMaxScaler(train.X, set.featureNames),
  }
}
