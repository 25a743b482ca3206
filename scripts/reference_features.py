#!/usr/bin/env python3
"""Pandas reference of the feature pipeline (docs/METHOD.md sections 2-4).

Usage: reference_features.py DATA_DIR OUT_DIR [--window 7|3] [--variant tutorial|per-token]

Written the way the tutorial's notebook writes it (gizatechxyz/Giza-Hub,
awesome-giza-actions/Aave_Liquidation_Model/aave_liquidations_model.py), reading the CSV copies of the
Giza hub files instead of the hub loader. The TypeScript pipeline (src/features/) must reproduce what this
script writes: OUT_DIR/features-<variant>-<window>.json with
  {featureNames, train: {X, y, day, token}, test: {...}, scaler: {min, max}, testFromDay}
X raw (unscaled) in featureNames order, day as EpochDay (days since 1970-01-01 UTC), token = token_debt.

On the real files the tutorial 7-day variant reproduces the tutorial's own data_array.npy (its first scaled
test row) exactly. Deliberate deviations from the notebook:
- The tutorial pinned pandas ^2.2, where an outer merge sorts its keys lexicographically (as documented).
  pandas < 2.2 appends right-only keys at the end instead, so the merges pass sort=True: identical result
  on pandas 2.2, and the same result on the Debian pandas 1.5 used here.
- sort_values('day') uses a stable sort: numpy's default quicksort leaves the order of rows of one day
  machine-dependent. The stable order is the groupby order (day, token_col, token_debt); only rows with
  equal (day, token_debt) can differ in order, and those carry the same feature values.
- Numbers are parsed with float_precision='round_trip' (correctly rounded), so they equal the hub's binary
  values; pandas' default parser is one unit in the last place off for some of them.
- The deposits groupby sums only the numeric columns (pandas 2 concatenated the address strings, which
  the notebook then dropped).
- daily_return uses a correctly rounded log instead of np.log, whose last bit depends on the CPU's
  vectorised kernel (and the online std amplifies it; see correctly_rounded_log).
- A volatility that pandas leaves NaN (fewer than two finite daily returns in the window) becomes 0.
- token_debt is kept until the end, as the `token` of each row (the notebook drops it with the debt columns).
"""
import argparse
from decimal import Decimal, localcontext
import json
import math
import os
import sys

import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler

COL_TOKENS = ['WETH', 'USDC', 'LINK', 'WBTC', 'stETH']
DEBT_TOKENS = ['USDC', 'USDT', 'DAI', 'WETH', 'WBTC']
BASE_FEATURES = ['deposits_volume', 'borrows_volume', 'price', 'market_cap', 'volumes_last_24h']
ROLLED = ['deposits_volume', 'borrows_volume', 'market_cap', 'volumes_last_24h']
COLUMNS_TO_SCALE = BASE_FEATURES + [f'{c}_avg_3d' for c in ROLLED] + [f'{c}_avg_7d' for c in ROLLED] + [
    'volatility_3day', 'volatility_7day']
EPOCH = pd.Timestamp('1970-01-01')


def correctly_rounded_log(x):
    """np.log with the result rounded correctly (Decimal at 50 digits, then to the nearest double).

    np.log's vectorised kernels differ from glibc and from V8 in the last bit for a few percent of inputs,
    and the online rolling std amplifies that on the tutorial's mixed-token returns; the correctly rounded
    value is the same everywhere (src/features/log.ts computes it too). Same special values as np.log.
    """
    if math.isnan(x) or x < 0:
        return math.nan
    if x == 0:
        return -math.inf
    if math.isinf(x):
        return math.inf
    with localcontext() as context:
        context.prec = 50
        return float(Decimal(x).ln())


def feature_names(window):
    return BASE_FEATURES + [f'{c}_avg_{window}d' for c in ROLLED] + [f'volatility_{window}day']


def load(data_dir):
    def csv(name):
        # round_trip: exact (correctly rounded) parsing, so values equal the hub's binary Parquet values;
        # pandas' default 'high' parser is off by one unit in the last place for some numbers
        return pd.read_csv(os.path.join(data_dir, name), float_precision='round_trip')

    liq_v2 = csv('aave_liquidations_v2.csv')
    liq_v3 = csv('aave_liquidations_v3.csv')
    for df in (liq_v2, liq_v3):
        # CSV copies store the hub's timestamp as int64 epoch nanoseconds
        df['day'] = pd.to_datetime(df['day'], unit='ns')
    db_v2 = csv('aave_daily_deposits_borrows_v2.csv')
    db_v3 = csv('aave_daily_deposits_borrows_v3.csv')
    for df in (db_v2, db_v3):
        df['day'] = pd.to_datetime(df['day'])
    tokens = csv('tokens_daily_volume.csv')
    tokens['date'] = pd.to_datetime(tokens['date'])
    return liq_v2, liq_v3, db_v2, db_v3, tokens


def build_daily_table(liq_v2, liq_v3, db_v2, db_v3, df_daily_token):
    # --- section 2.1-2.2: liquidations
    df_liquidations = pd.concat([liq_v2, liq_v3], keys=['v2', 'v3'])
    df_liquidations = df_liquidations[df_liquidations['token_col'].isin(COL_TOKENS)]
    token_list = list(COL_TOKENS)
    df_liquidations = df_liquidations[df_liquidations['token_debt'].isin(DEBT_TOKENS)]
    token_list += ['USDT', 'DAI']
    df_liquidations_daily = df_liquidations.groupby(['day', 'token_col', 'token_debt']).agg({
        'collateral_amount': 'sum',
        'col_value_USD': 'sum',
        'col_current_value_USD': 'sum',
        'debt_amount': 'sum',
        'debt_value_USD': 'sum',
        'debt_current_value_USD': 'sum'}).reset_index()

    # --- section 2.4 (first half): deposits & borrows
    df_deposits_borrows = pd.concat([db_v2, db_v3], keys=['v2', 'v3'])
    df_deposits_borrows = df_deposits_borrows.groupby(['day', 'symbol'])[
        ['deposits_volume', 'borrows_volume']].sum().reset_index()
    df_deposits_borrows = df_deposits_borrows[df_deposits_borrows['symbol'].isin(token_list)]

    token_list_upper = [token.upper() for token in token_list]
    df_daily_token = df_daily_token[df_daily_token['token'].isin(token_list_upper)]

    df_liquidations_debts = df_liquidations_daily.drop(
        columns=['token_col', 'collateral_amount', 'col_value_USD', 'col_current_value_USD'])

    # --- section 2.3: zero rows per debt token from earliest to that token's last day
    earliest_day = df_liquidations_debts['day'].min()
    filled_rows = pd.DataFrame()
    for unique_token in df_liquidations_debts['token_debt'].unique():
        token_col_df = df_liquidations_debts[df_liquidations_debts['token_debt'] == unique_token]
        missing_days = pd.date_range(start=earliest_day, end=token_col_df['day'].max(), freq='D').difference(
            token_col_df['day'])
        missing_rows = pd.DataFrame({
            'day': missing_days,
            'token_debt': unique_token,
            'debt_amount': 0,
            'debt_value_USD': 0,
            'debt_current_value_USD': 0
        })
        filled_rows = pd.concat([missing_rows, filled_rows])

    df_liquidations_debts_filled = pd.concat([df_liquidations_debts, filled_rows])
    df_liquidations_debts_filled = df_liquidations_debts_filled.sort_values('day', kind='stable')
    df_liquidations_debts_filled = df_liquidations_debts_filled.reset_index(drop=True)

    # --- section 2.4: outer join deposits & borrows
    earliest_day_minus_7 = earliest_day - pd.DateOffset(days=7)
    df_deposits_borrows_filtered = df_deposits_borrows[df_deposits_borrows['day'] >= earliest_day_minus_7]
    df_deposits_borrows_filtered = df_deposits_borrows_filtered.rename(columns={'symbol': 'token_debt'})
    merged_df = pd.merge(df_liquidations_debts_filled, df_deposits_borrows_filtered, how='outer',
                         on=['day', 'token_debt'], sort=True)
    merged_df.fillna(0, inplace=True)

    # --- section 2.5: token information
    df_daily_token_filtered = df_daily_token[df_daily_token['date'] >= earliest_day_minus_7]
    df_daily_token_filtered = df_daily_token_filtered.rename(columns={'token': 'token_debt', 'date': 'day'})
    merged_df['token_debt'] = merged_df['token_debt'].str.upper()
    merged_df = pd.merge(merged_df, df_daily_token_filtered, how='outer', on=['day', 'token_debt'], sort=True)
    merged_df.fillna(0, inplace=True)
    return merged_df, earliest_day


def feature_engineering(merged_df, earliest_day, variant):
    if variant == 'tutorial':
        # the notebook's windows run over consecutive rows of the whole table, mixing tokens
        def rolling(col, window):
            return merged_df[col].rolling(window=window, min_periods=1)

        def previous_price():
            return merged_df['price'].shift(1)
    else:
        groups = merged_df.groupby('token_debt', sort=False)

        class PerToken:
            def __init__(self, col, window):
                self.col, self.window = col, window

            def mean(self):
                return groups[self.col].transform(lambda s: s.rolling(window=self.window, min_periods=1).mean())

            def std(self):
                return groups[self.col].transform(lambda s: s.rolling(window=self.window, min_periods=1).std())

        def rolling(col, window):
            return PerToken(col, window)

        def previous_price():
            return groups['price'].shift(1)

    for window in (3, 7):
        for col in ROLLED:
            merged_df[f'{col}_avg_{window}d'] = rolling(col, window).mean()

    with np.errstate(divide='ignore', invalid='ignore'):
        ratio = merged_df['price'] / previous_price()
    merged_df['daily_return'] = ratio.map(correctly_rounded_log)
    merged_df['volatility_3day'] = rolling('daily_return', 3).std()
    merged_df['volatility_7day'] = rolling('daily_return', 7).std()
    # Deviation: a window with fewer than two finite returns has no sample std; pandas leaves NaN (which
    # would poison training), 0 here and in the TS pipeline. Never happens on the real files.
    volatility = ['volatility_3day', 'volatility_7day']
    undefined = int(merged_df.loc[merged_df['day'] >= earliest_day, volatility].isna().to_numpy().sum())
    print(f'volatility values without a sample std (set to 0) from the first liquidation day on: {undefined}')
    merged_df[volatility] = merged_df[volatility].fillna(0)

    merged_df = merged_df[merged_df['day'] >= earliest_day].copy()
    merged_df['liquidations'] = np.where(merged_df['debt_value_USD'] == 0, 0, 1)
    # the notebook drops token_debt here; it is kept (not as a feature) for the TS comparison
    merged_df = merged_df.drop(columns=['debt_amount', 'debt_value_USD', 'debt_current_value_USD'])
    return merged_df


def train_test_split(merged_df, test_size=40):
    last_day = merged_df.day.max()
    test_set_start = last_day - pd.DateOffset(days=test_size)
    test_set = merged_df[merged_df['day'] >= test_set_start]
    train_set = merged_df[merged_df['day'] < test_set_start]
    return train_set, test_set, test_set_start


def epoch_days(series):
    return ((series - EPOCH) // pd.Timedelta(days=1)).astype(int).tolist()


def json_number(x):
    # JSON has no NaN / Infinity: written as null (none occur on the real files)
    return None if not math.isfinite(x) else float(x)


def rows(df, names):
    return {
        'X': [[json_number(v) for v in row] for row in df[names].to_numpy(dtype=float)],
        'y': df['liquidations'].astype(int).tolist(),
        'day': epoch_days(df['day']),
        'token': df['token_debt'].tolist(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_dir')
    parser.add_argument('out_dir')
    parser.add_argument('--window', type=int, choices=[3, 7], default=7)
    parser.add_argument('--variant', choices=['tutorial', 'per-token'], default='tutorial')
    args = parser.parse_args()

    merged_df, earliest_day = build_daily_table(*load(args.data_dir))
    merged_df = feature_engineering(merged_df, earliest_day, args.variant)
    train_set, test_set, test_set_start = train_test_split(merged_df)

    scaler = MinMaxScaler()
    scaler.fit(train_set[COLUMNS_TO_SCALE])
    names = feature_names(args.window)
    index = [COLUMNS_TO_SCALE.index(n) for n in names]

    print(f'variant {args.variant} window {args.window}: earliest {earliest_day.date()} '
          f'test from {test_set_start.date()}')
    print(f'train rows {len(train_set):,} (positives {int(train_set.liquidations.sum())}, '
          f'{train_set.liquidations.mean():.1%})')
    print(f'test rows {len(test_set):,} (positives {int(test_set.liquidations.sum())}, '
          f'{test_set.liquidations.mean():.1%})')
    print(f'test positives {int(test_set.liquidations.sum())}')

    # The tutorial saved X7_test.iloc[0] after scaling as data_array.npy: a check on row order and values.
    npy = os.path.join(args.data_dir, 'data_array.npy')
    if args.variant == 'tutorial' and args.window == 7 and os.path.exists(npy):
        scaled_first = scaler.transform(test_set[COLUMNS_TO_SCALE])[0][index]
        expected = np.load(npy)
        print(f'data_array.npy max abs diff {np.max(np.abs(scaled_first - expected)):.3g}')

    os.makedirs(args.out_dir, exist_ok=True)
    out = {
        'variant': args.variant,
        'window': args.window,
        'featureNames': names,
        'train': rows(train_set, names),
        'test': rows(test_set, names),
        'scaler': {
            'min': [float(scaler.data_min_[i]) for i in index],
            'max': [float(scaler.data_max_[i]) for i in index],
        },
        'testFromDay': int((test_set_start - EPOCH) // pd.Timedelta(days=1)),
    }
    path = os.path.join(args.out_dir, f'features-{args.variant}-{args.window}.json')
    with open(path, 'w') as f:
        json.dump(out, f, allow_nan=False)
    print(f'wrote {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
