import { bestF1Threshold, rocAuc } from '../metrics.js';
import { trainingRandom } from '../../seeded-random.js';
import { initParams } from '../network.js';
import { bce, FlatTrainer, kFold, shuffled } from '../trainer.js';
export const DEFAULT_RECIPE = {
    // 3e-4 was never chosen by CV on the real training rows (underfits in 100 epochs); 3e-3 usually is.
    lrs: [1e-3, 3e-3],
    maxEpochs: 100,
    minEpochs: 10,
    smooth: 5,
    batchSize: 32,
    folds: 5,
};
export async function trainDefault(ctx, overrides = {}) {
    const recipe = { ...DEFAULT_RECIPE, ...overrides };
    const rng = trainingRandom(ctx.seed);
    const n = ctx.trainRows;
    const maxEpochs = ctx.epochs ?? recipe.maxEpochs;
    const y = ctx.yTrain;
    let pos = 0;
    for (let i = 0; i < n; i++)
        pos += y[i];
    // With no positives (or no negatives) the weight would be 0 or infinite: fall back to 1.
    const posWeight = pos > 0 && pos < n ? (n - pos) / pos : 1;
    const weights = Float64Array.from(y, (v) => (v === 1 ? posWeight : 1));
    const folds = kFold(n, recipe.folds);
    const totalFolds = folds.length * recipe.lrs.length + 1;
    const trainer = new FlatTrainer(initParams(rng), { lr: recipe.lrs[0] });
    try {
        trainer.setData(ctx.xTrain, y, weights);
        const history = [];
        let best = { score: Infinity, lr: recipe.lrs[0], epochs: maxEpochs, cv: [], oof: new Float32Array(n) };
        let foldNo = 0;
        for (const lr of recipe.lrs) {
            // valLoss[e][f]: unweighted validation BCE of fold f after epoch e+1; oof[e]: out-of-fold probabilities
            const valLoss = Array.from({ length: maxEpochs }, () => []);
            const oof = Array.from({ length: maxEpochs }, () => new Float32Array(n));
            for (const { train, val } of folds) {
                foldNo++;
                trainer.reset(initParams(rng), lr);
                const foldHistory = [];
                for (let e = 0; e < maxEpochs; e++) {
                    await ctx.checkpoint();
                    const loss = trainer.trainEpoch(shuffled(train, rng), recipe.batchSize);
                    const p = trainer.predictRows(val);
                    let s = 0;
                    for (let i = 0; i < val.length; i++) {
                        oof[e][val[i]] = p[i];
                        s += bce(p[i], y[val[i]]);
                    }
                    valLoss[e].push(s / val.length);
                    foldHistory.push({ loss, val_loss: s / val.length });
                    ctx.progress({ fold: foldNo, folds: totalFolds, epoch: e + 1, epochs: maxEpochs, loss }, e === maxEpochs - 1);
                }
                history.push(foldHistory);
            }
            const mean = valLoss.map((l) => l.reduce((a, b) => a + b, 0) / l.length);
            const chosen = chooseEpoch(mean, Math.min(recipe.minEpochs, maxEpochs), recipe.smooth);
            if (chosen.score < best.score) {
                best = { score: chosen.score, lr, epochs: chosen.epoch + 1, cv: valLoss[chosen.epoch], oof: oof[chosen.epoch] };
            }
        }
        const { threshold, f1: oofF1 } = bestF1Threshold(best.oof, y);
        const oofAuc = rocAuc(best.oof, y);
        // Final fit on all training rows, fresh model, the chosen lr and epochs.
        trainer.reset(initParams(rng), best.lr);
        const all = Int32Array.from({ length: n }, (_, i) => i);
        const finalHistory = [];
        for (let e = 0; e < best.epochs; e++) {
            await ctx.checkpoint();
            const loss = trainer.trainEpoch(shuffled(all, rng), recipe.batchSize);
            finalHistory.push({ loss });
            ctx.progress({ fold: totalFolds, folds: totalFolds, epoch: e + 1, epochs: best.epochs, loss }, e === best.epochs - 1);
        }
        history.push(finalHistory);
        return {
            params: trainer.getParams(),
            threshold,
            cv: best.cv,
            history,
            predict: (x, rows) => trainer.predict(x, rows),
            dispose: () => trainer.dispose(),
            details: {
                lr: best.lr,
                epochs: best.epochs,
                max_epochs: maxEpochs,
                batch_size: recipe.batchSize,
                pos_weight: posWeight,
                oof_f1: oofF1,
                oof_roc_auc: oofAuc,
                cv_score: best.score,
            },
        };
    }
    catch (err) {
        trainer.dispose();
        throw err;
    }
}
/** argmin over epochs >= minEpochs of the centred moving average (width `smooth`) of the mean fold loss. */
export function chooseEpoch(meanLoss, minEpochs, smooth) {
    const half = Math.floor(smooth / 2);
    let best = { epoch: meanLoss.length - 1, score: Infinity };
    for (let e = Math.max(0, minEpochs - 1); e < meanLoss.length; e++) {
        let s = 0;
        let k = 0;
        for (let j = Math.max(0, e - half); j <= Math.min(meanLoss.length - 1, e + half); j++) {
            s += meanLoss[j];
            k++;
        }
        const score = s / k;
        if (score < best.score)
            best = { epoch: e, score };
    }
    return best;
}
//# sourceMappingURL=default.js.map