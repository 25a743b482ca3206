"""Exploration for the `default` recipe (PyTorch, same 10-32-16-1 net) on a reference feature JSON.

For each seed: 5 unshuffled (time-block) folds with a fresh model each, recording per epoch the
validation BCE / ROC-AUC and out-of-fold scores; then a final fit on all training rows recording
test metrics per epoch (for analysis only: the recipe must choose epochs and threshold from CV).
Usage: /usr/bin/python3 scripts/explore-default-train.py FEATURES.json --lr 1e-3 --epochs 150 --pw auto --seeds 0,1
"""
import argparse, json, math, sys, time
import numpy as np
import torch
from torch import nn
from sklearn.metrics import roc_auc_score, f1_score

ap = argparse.ArgumentParser()
ap.add_argument('features'); ap.add_argument('--lr', type=float, default=1e-3)
ap.add_argument('--epochs', type=int, default=150); ap.add_argument('--pw', default='auto')
ap.add_argument('--seeds', default='0'); ap.add_argument('--batch', type=int, default=32)
ap.add_argument('--wd', type=float, default=0.0); ap.add_argument('--every', type=int, default=10)
a = ap.parse_args()
torch.set_num_threads(1)
d = json.load(open(a.features))
lo = np.array(d['scaler']['min']); hi = np.array(d['scaler']['max']); rg = hi - lo; rg[rg == 0] = 1
def part(p):
    return torch.tensor((np.array(d[p]['X']) - lo) / rg, dtype=torch.float32), torch.tensor(d[p]['y'], dtype=torch.float32)
(xtr, ytr), (xte, yte) = part('train'), part('test')
n = len(xtr)
pos = float(ytr.sum()); pw = (n - pos) / pos if a.pw == 'auto' else (math.sqrt((n - pos) / pos) if a.pw == 'sqrt' else float(a.pw))
def net():
    return nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 1))
def epoch(model, opt, x, y):
    perm = torch.randperm(len(x)); model.train()
    for i in range(0, len(x), a.batch):
        b = perm[i:i + a.batch]; z = model(x[b]).squeeze(1)
        w = torch.where(y[b] == 1, pw, 1.0)
        loss = (nn.functional.binary_cross_entropy_with_logits(z, y[b], reduction='none') * w).mean()
        opt.zero_grad(); loss.backward(); opt.step()
def best_f1_threshold(p, y):
    best = (0, 0.5)
    for t in np.unique(p):
        f = f1_score(y, p >= t)
        if f > best[0]: best = (f, t)
    return best
sizes = [n // 5 + (1 if i < n % 5 else 0) for i in range(5)]
ckpts = list(range(a.every, a.epochs + 1, a.every))
for seed in [int(s) for s in a.seeds.split(',')]:
    torch.manual_seed(seed)
    t0 = time.time()
    oof = {e: np.zeros(n) for e in ckpts}; vloss = {e: [] for e in ckpts}; vauc = {e: [] for e in ckpts}
    start = 0
    for size in sizes:
        val = torch.arange(start, start + size); trn = torch.cat([torch.arange(0, start), torch.arange(start + size, n)]); start += size
        m = net(); opt = torch.optim.Adam(m.parameters(), lr=a.lr, weight_decay=a.wd)
        for e in range(1, a.epochs + 1):
            epoch(m, opt, xtr[trn], ytr[trn])
            if e in oof:
                m.eval()
                with torch.no_grad():
                    z = m(xtr[val]).squeeze(1); p = torch.sigmoid(z).numpy()
                oof[e][val.numpy()] = p
                vloss[e].append(nn.functional.binary_cross_entropy_with_logits(z, ytr[val]).item())
                yv = ytr[val].numpy()
                vauc[e].append(roc_auc_score(yv, p) if 0 < yv.sum() < len(yv) else float('nan'))
    m = net(); opt = torch.optim.Adam(m.parameters(), lr=a.lr, weight_decay=a.wd)
    rows = []
    for e in range(1, a.epochs + 1):
        epoch(m, opt, xtr, ytr)
        if e in oof:
            m.eval()
            with torch.no_grad():
                p = torch.sigmoid(m(xte).squeeze(1)).numpy()
            f1o, thr = best_f1_threshold(oof[e], ytr.numpy())
            rows.append(dict(e=e, vloss=np.mean(vloss[e]), vauc=np.nanmean(vauc[e]), oofauc=roc_auc_score(ytr.numpy(), oof[e]), ooff1=f1o, thr=thr,
                             test_auc=roc_auc_score(yte.numpy(), p), test_f1_thr=f1_score(yte.numpy(), p >= thr), test_f1_05=f1_score(yte.numpy(), p >= 0.5)))
    print(f'# seed {seed} pw {pw:.2f} lr {a.lr} took {time.time()-t0:.1f}s', flush=True)
    for r in rows:
        print(' '.join(f'{k}={v:.3f}' if isinstance(v, float) else f'{k}={v}' for k, v in r.items()), flush=True)
