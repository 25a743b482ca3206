import { trainingRandom } from '../../seeded-random.js';
import { initParams } from '../network.js';
import { FlatTrainer, kFold, meanBatchBce, shuffled } from '../trainer.js';
/**
 * docs/METHOD.md sec. 5, quirks included: BCE, Adam lr 1e-4, 30 epochs of shuffled batches of 32 per
 * fold, 5-fold CV without shuffling in which ONE model (and one Adam state) keeps training through
 * all folds; the fold loss is the mean validation BCE over the fold's batches after its 30 epochs.
 * That model, at threshold 0.5, is the one evaluated and exported.
 */
export const TUTORIAL = { lr: 1e-4, epochs: 30, batchSize: 32, folds: 5, threshold: 0.5 };
export async function trainTutorial(ctx) {
    const rng = trainingRandom(ctx.seed);
    const epochs = ctx.epochs ?? TUTORIAL.epochs;
    const trainer = new FlatTrainer(initParams(rng), { lr: TUTORIAL.lr });
    try {
        trainer.setData(ctx.xTrain, ctx.yTrain);
        const folds = kFold(ctx.trainRows, TUTORIAL.folds);
        const cv = [];
        const history = [];
        for (let f = 0; f < folds.length; f++) {
            const { train, val } = folds[f];
            const yVal = Array.from(val, (i) => ctx.yTrain[i]);
            const foldHistory = [];
            for (let e = 0; e < epochs; e++) {
                await ctx.checkpoint();
                const loss = trainer.trainEpoch(shuffled(train, rng), TUTORIAL.batchSize);
                const valLoss = meanBatchBce(trainer.predictRows(val), yVal, TUTORIAL.batchSize);
                foldHistory.push({ loss, val_loss: valLoss });
                ctx.progress({ fold: f + 1, folds: folds.length, epoch: e + 1, epochs, loss }, e === epochs - 1);
            }
            history.push(foldHistory);
            cv.push(foldHistory[foldHistory.length - 1].val_loss ?? NaN);
        }
        return {
            params: trainer.getParams(),
            threshold: TUTORIAL.threshold,
            cv,
            history,
            predict: (x, rows) => trainer.predict(x, rows),
            dispose: () => trainer.dispose(),
            details: { lr: TUTORIAL.lr, epochs, batch_size: TUTORIAL.batchSize },
        };
    }
    catch (err) {
        trainer.dispose();
        throw err;
    }
}
//# sourceMappingURL=tutorial.js.map