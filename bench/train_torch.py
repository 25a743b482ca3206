"""PyTorch reference of the `tutorial` recipe (docs/METHOD.md sec. 5) on a reference feature JSON.

Usage: /usr/bin/python3 bench/train_torch.py FEATURES.json [--seeds 0,1,2] [--threads 2] [--json]
Prints one JSON line per seed: metrics on the test split at 0.5 and the training time (5 folds x 30 epochs),
so that bench/train.ts can compare tfjs with torch on the same rows in the same run.
"""
import argparse
import json
import math
import time

import torch
from torch import nn


def load(path):
    with open(path) as f:
        d = json.load(f)
    lo = torch.tensor(d['scaler']['min'], dtype=torch.float64)
    hi = torch.tensor(d['scaler']['max'], dtype=torch.float64)
    rng = hi - lo
    rng[rng == 0] = 1.0

    def part(p):
        x = (torch.tensor(d[p]['X'], dtype=torch.float64) - lo) / rng
        return x.float(), torch.tensor(d[p]['y'], dtype=torch.float32).unsqueeze(1)
    return part('train'), part('test')


def auc(scores, labels):
    # Mann-Whitney with average ranks for ties
    pairs = sorted(zip(scores, labels))
    ranks = [0.0] * len(pairs)
    i = 0
    while i < len(pairs):
        j = i
        while j + 1 < len(pairs) and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        i = j + 1
    npos = sum(1 for _, l in pairs if l == 1)
    nneg = len(pairs) - npos
    rpos = sum(r for r, (_, l) in zip(ranks, pairs) if l == 1)
    return (rpos - npos * (npos + 1) / 2) / (npos * nneg)


def run(path, seed, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    (xtr, ytr), (xte, yte) = load(path)
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 1), nn.Sigmoid())
    crit = nn.BCELoss()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    n = len(xtr)
    # KFold(n_splits=5, shuffle=False): the first n % 5 folds get one extra row
    sizes = [n // 5 + (1 if i < n % 5 else 0) for i in range(5)]
    cv = []
    t0 = time.perf_counter()
    start = 0
    for size in sizes:
        val = torch.arange(start, start + size)
        trn = torch.cat([torch.arange(0, start), torch.arange(start + size, n)])
        start += size
        xt, yt, xv, yv = xtr[trn], ytr[trn], xtr[val], ytr[val]
        for _ in range(30):
            perm = torch.randperm(len(xt))
            model.train()
            for i in range(0, len(xt), 32):
                b = perm[i:i + 32]
                opt.zero_grad()
                loss = crit(model(xt[b]), yt[b])
                loss.backward()
                opt.step()
        model.eval()
        with torch.no_grad():
            losses = [crit(model(xv[i:i + 32]), yv[i:i + 32]).item() for i in range(0, len(xv), 32)]
        cv.append(sum(losses) / len(losses))
    train_s = time.perf_counter() - t0
    with torch.no_grad():
        p = model(xte).squeeze(1)
    pred = (p >= 0.5).float()
    y = yte.squeeze(1)
    tp = float(((pred == 1) & (y == 1)).sum()); fp = float(((pred == 1) & (y == 0)).sum())
    fn = float(((pred == 0) & (y == 1)).sum()); tn = float(((pred == 0) & (y == 0)).sum())
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    mean = sum(cv) / len(cv)
    std = math.sqrt(sum((c - mean) ** 2 for c in cv) / len(cv))
    return {'seed': seed, 'train_s': train_s, 'accuracy': (tp + tn) / len(y), 'precision': prec, 'recall': rec,
            'f1': f1, 'roc_auc': auc(p.tolist(), y.tolist()), 'cv_avg': mean, 'cv_std': std}


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('features')
    ap.add_argument('--seeds', default='0')
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    for s in a.seeds.split(','):
        print(json.dumps(run(a.features, int(s), a.threads)), flush=True)
