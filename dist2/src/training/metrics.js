export function confusionMatrix(p, y, threshold) {
    const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
    for (let i = 0; i < p.length; i++) {
        const pred = p[i] >= threshold;
        const pos = y[i] === 1;
        if (pred && pos)
            c.tp++;
        else if (pred)
            c.fp++;
        else if (pos)
            c.fn++;
        else
            c.tn++;
    }
    return c;
}
export function f1FromConfusion(c) {
    const denom = 2 * c.tp + c.fp + c.fn;
    return denom === 0 ? 0 : 2 * c.tp / denom;
}
export function rocAuc(p, y) {
    const n = p.length;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[a] - p[b]);
    let rankSumPos = 0;
    let nPos = 0;
    for (let i = 0; i < n;) {
        let j = i;
        while (j + 1 < n && p[order[j + 1]] === p[order[i]])
            j++;
        const rank = (i + j) / 2 + 1; // average 1-based rank of the tie group
        for (let k = i; k <= j; k++) {
            if (y[order[k]] === 1) {
                rankSumPos += rank;
                nPos++;
            }
        }
        i = j + 1;
    }
    const nNeg = n - nPos;
    if (nPos === 0 || nNeg === 0)
        return NaN;
    return (rankSumPos - nPos * (nPos + 1) / 2) / (nPos * nNeg);
}
export function averagePrecision(p, y) {
    const n = p.length;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[b] - p[a]);
    let totalPos = 0;
    for (let i = 0; i < n; i++)
        if (y[i] === 1)
            totalPos++;
    if (totalPos === 0 || totalPos === n)
        return NaN;
    let tp = 0;
    let fp = 0;
    let prevRecall = 0;
    let ap = 0;
    for (let i = 0; i < n;) {
        let j = i;
        while (j + 1 < n && p[order[j + 1]] === p[order[i]])
            j++;
        for (let k = i; k <= j; k++) {
            if (y[order[k]] === 1)
                tp++;
            else
                fp++;
        }
        const recall = tp / totalPos;
        ap += (recall - prevRecall) * (tp / (tp + fp));
        prevRecall = recall;
        i = j + 1;
    }
    return ap;
}
export function classificationMetrics(p, y, threshold = 0.5) {
    const c = confusionMatrix(p, y, threshold);
    const n = c.tp + c.fp + c.tn + c.fn;
    const precision = c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp);
    const recall = c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn);
    return {
        accuracy: n === 0 ? NaN : (c.tp + c.tn) / n,
        precision,
        recall,
        f1: f1FromConfusion(c),
        roc_auc: rocAuc(p, y),
        pr_auc: averagePrecision(p, y),
        confusion: c,
        threshold,
    };
}
/**
 * The threshold that maximises F1 on (out-of-fold) scores: every distinct score is a candidate;
 * among equal F1 the midpoint between the chosen score and the next lower one is returned so that
 * a slightly different score on new rows does not flip the decision. Used on training rows only.
 */
export function bestF1Threshold(p, y) {
    const n = p.length;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[b] - p[a]);
    let totalPos = 0;
    for (let i = 0; i < n; i++)
        if (y[i] === 1)
            totalPos++;
    let tp = 0;
    let fp = 0;
    let best = { threshold: 0.5, f1: -1 };
    for (let i = 0; i < n;) {
        let j = i;
        while (j + 1 < n && p[order[j + 1]] === p[order[i]])
            j++;
        for (let k = i; k <= j; k++) {
            if (y[order[k]] === 1)
                tp++;
            else
                fp++;
        }
        const f1 = 2 * tp / (tp + fp + totalPos);
        if (f1 > best.f1) {
            const next = j + 1 < n ? p[order[j + 1]] : 0;
            best = { threshold: (p[order[i]] + next) / 2, f1 };
        }
        i = j + 1;
    }
    return best.f1 < 0 ? { threshold: 0.5, f1: 0 } : best;
}
export function meanStd(values) {
    if (values.length === 0)
        return { mean: NaN, std: NaN };
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    // population std (numpy's default ddof=0), as the tutorial's cv_std
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    return { mean, std };
}
//# sourceMappingURL=metrics.js.map