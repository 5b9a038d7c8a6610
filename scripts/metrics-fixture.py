#!/usr/bin/env python3
"""Reference values for gen-mnist's metric tests, computed independently with numpy and scipy.

    python3 scripts/metrics-fixture.py > test/fixtures/metrics-fixture.json

FID follows pytorch-fid's `calculate_frechet_distance` (scipy.linalg.sqrtm of sigma1 @ sigma2, real
part); KID follows the unbiased MMD^2 of Binkowski et al. with the cubic polynomial kernel, on the
full sets (one "subset" of all images: deterministic, no random draws to share); the inception score
follows Salimans et al. (10 consecutive splits, population std); precision/recall (k=3) and
density/coverage (k=5) follow Kynkaenniemi et al. 2019 and Naeem et al. 2020 by brute force (the
`prdc` package's algorithm). gen-mnist implements all of them separately (float64 WebAssembly GEMM,
symmetric eigendecompositions), so agreement is a real check.
"""
import json

import numpy as np
from scipy import linalg
from scipy.special import log_softmax


def fid(x, y):
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean = np.real(linalg.sqrtm(s1.dot(s2)))
    diff = mu1 - mu2
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def kid_full(x, y):
    d = x.shape[1]
    m = x.shape[0]
    k = lambda a, b: (a @ b.T / d + 1) ** 3
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.mean())


def inception_score(logits, splits=10):
    logp = log_softmax(logits.astype(np.float64), axis=1)
    p = np.exp(logp)
    n = logits.shape[0]
    scores = []
    for s in range(splits):
        a, b = (s * n) // splits, ((s + 1) * n) // splits
        py = p[a:b].mean(0)
        kl = (p[a:b] * (logp[a:b] - np.log(py))).sum(1).mean()
        scores.append(np.exp(kl))
    return float(np.mean(scores)), float(np.std(scores))


def distances(a, b):
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))


def kth_radius(x, k):
    d = distances(x, x)
    np.fill_diagonal(d, np.inf)  # "other than itself"
    return np.sort(d, axis=1)[:, k - 1]


def prdc(real, fake, k_pr=3, k_dc=5):
    rr_pr, rr_dc, ff_pr = kth_radius(real, k_pr), kth_radius(real, k_dc), kth_radius(fake, k_pr)
    d = distances(real, fake)  # [n_real, n_fake]
    precision = float((d <= rr_pr[:, None]).any(0).mean())
    recall = float((d <= ff_pr[None, :]).any(1).mean())
    density = float((d <= rr_dc[:, None]).sum(0).mean() / k_dc)
    coverage = float((d.min(1) <= rr_dc).mean())
    return precision, recall, density, coverage


rng = np.random.default_rng(20261123)
d = 8
# inputs rounded to 6 decimals first, so the JSON holds exactly what the values were computed from
r6 = lambda a: np.round(a, 6)
real = r6(rng.normal(size=(300, d)))
fake = r6(rng.normal(size=(250, d)) @ rng.normal(scale=0.6, size=(d, d)) + 0.4)
kid_x = r6(rng.normal(size=(200, d)))
kid_y = r6(rng.normal(size=(200, d)) * 1.3 + 0.2)
logits = r6(rng.normal(scale=3.0, size=(200, 10)))
p, r, dens, cov = prdc(real, fake)
is_mean, is_std = inception_score(logits)
print(json.dumps({
    "description": "made by scripts/metrics-fixture.py (numpy %s, scipy); see its docstring" % np.__version__,
    "real": real.tolist(),
    "fake": fake.tolist(),
    "fid": fid(real, fake),
    "kidX": kid_x.tolist(),
    "kidY": kid_y.tolist(),
    "kidFull": kid_full(kid_x, kid_y),
    "logits": logits.tolist(),
    "inceptionScore": {"mean": is_mean, "std": is_std},
    "prdc": {"precision": p, "recall": r, "density": dens, "coverage": cov},
}))
