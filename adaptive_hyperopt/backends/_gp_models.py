"""The Gaussian processes LocalGPSampler fits, in numpy and scipy: Matern 5/2 kernels over unit
coordinates (a categorical column compared by equality), zero mean, hyperparameters fitted by
maximizing the marginal likelihood plus weak log-normal priors (L-BFGS-B, analytic gradients).

- `GP`: one length scale per column, the kernel a product over columns (ARD): what models
  the trust region, where every parameter's effect may depend on the others.
- `AdditiveGP`: a sum of one-column kernels, each with its own length scale and signal
  variance (first-order additive, Kandasamy et al. 2015). It knows nothing of interactions,
  but it predicts what moving one parameter far from the best trial does, from every trial
  that set that parameter there: the product kernel reverts to its prior mean as soon as one
  coordinate is far from the data. It proposes the whole-space share's escapes.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import linalg, special

_SQRT5 = math.sqrt(5.0)
# Bounds of the fitted hyperparameters (log scale): length scales in region widths, signal
# variances and the noise variance of standardized losses.
_LOG_BOUNDS = {
    "length": (math.log(1e-2), math.log(1e2)),
    "signal": (-4.0, 4.0),
    "noise": (math.log(1e-6), 0.0),
}
# Prior means and widths of the log hyperparameters (weak: they keep a fit on few trials sane).
_PRIOR = {"length": (0.0, 1.5), "signal": (0.0, 1.0), "noise": (math.log(1e-3), 2.0)}


class GP:
    """A fitted Gaussian process, Matern 5/2 with one length scale per column (product).

    `theta`: log length scales (one per column), log signal variance, log noise variance.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, cat: np.ndarray, theta: np.ndarray) -> None:
        self.x, self.y, self.cat, self.theta = x, y, cat, theta
        k = self._kernel(x, x) + (math.exp(theta[-1]) + 1e-8) * np.eye(len(y))
        self.chol = linalg.cho_factor(k, lower=True)
        self.alpha = linalg.cho_solve(self.chol, y)
        self.best = self.plug_in(x)

    @staticmethod
    def _prior(dim: int) -> tuple[list[tuple[float, float]], np.ndarray, np.ndarray]:
        """Bounds, prior means and prior widths of `theta` for `dim` columns."""
        return _hyperpriors(dim, signals=1)

    @staticmethod
    def _objective(
        theta: np.ndarray, sq: np.ndarray, y: np.ndarray, mean: np.ndarray, width: np.ndarray
    ) -> tuple[float, np.ndarray]:
        return neg_log_posterior(theta, sq, y, mean, width)

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, cat: np.ndarray, warm: np.ndarray | None) -> GP:
        """Maximize the marginal likelihood (plus priors), from the last fit when it fits."""
        from scipy import optimize

        sq = sq_dists(x, x, cat)  # (dim, n, n)
        bounds, mean, width = cls._prior(x.shape[1])
        starts = [mean.copy()]
        if warm is not None and len(warm) == len(mean):
            starts.insert(0, warm)
        best: tuple[float, np.ndarray] | None = None
        for start in starts:
            res = optimize.minimize(
                cls._objective,
                start,
                args=(sq, y, mean, width),
                jac=True,
                method="L-BFGS-B",
                bounds=bounds,
                options={"maxiter": 60},
            )
            if np.isfinite(res.fun) and (best is None or res.fun < best[0]):
                best = (float(res.fun), res.x)
        theta = mean if best is None else best[1]
        return cls(x, y, cat, theta)

    def _kernel(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        length = np.exp(self.theta[:-2])
        r2 = np.tensordot(1.0 / length**2, sq_dists(a, b, self.cat), axes=1)
        return math.exp(self.theta[-2]) * matern(r2)

    def _signal(self) -> float:
        """The prior variance at any point."""
        return math.exp(self.theta[-2])

    def plug_in(self, rows: np.ndarray) -> float:
        """The lowest posterior mean at `rows`: the incumbent expected improvement is measured
        from (Picheny et al. 2013). The lowest observed loss would be a lucky trial's, where
        the fitted noise says the objective is rugged, and no candidate could expect to beat it;
        where the fit is noise-free the two agree."""
        return float(np.min(self._kernel(rows, self.x) @ self.alpha))

    def log_ei(self, xs: np.ndarray) -> np.ndarray:
        """Log expected improvement over `best` (the plug-in incumbent), per row of `xs`."""
        ks = self._kernel(xs, self.x)
        mu = ks @ self.alpha
        v = linalg.solve_triangular(self.chol[0], ks.T, lower=True)
        var = np.maximum(self._signal() - np.sum(v * v, axis=0), 1e-12)
        sd = np.sqrt(var)
        z = (self.best - mu) / sd
        return np.log(sd) + log_h(z)


class AdditiveGP(GP):
    """A sum of one-column Matern 5/2 kernels (see the module docstring).

    `theta`: log length scales (one per column), log signal variances (one per column), log
    noise variance. The signals' prior mean is 1/dim each, so the sum's prior variance is
    about one, as the product kernel's is.
    """

    @staticmethod
    def _prior(dim: int) -> tuple[list[tuple[float, float]], np.ndarray, np.ndarray]:
        return _hyperpriors(dim, signals=dim)

    @staticmethod
    def _objective(
        theta: np.ndarray, sq: np.ndarray, y: np.ndarray, mean: np.ndarray, width: np.ndarray
    ) -> tuple[float, np.ndarray]:
        return additive_neg_log_posterior(theta, sq, y, mean, width)

    def _kernel(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        dim = a.shape[1]
        r2 = sq_dists(a, b, self.cat) * np.exp(-2.0 * self.theta[:dim])[:, None, None]
        return np.tensordot(np.exp(self.theta[dim:-1]), matern(r2), axes=1)

    def _signal(self) -> float:
        return float(np.sum(np.exp(self.theta[len(self.cat) : -1])))


def _hyperpriors(
    dim: int, signals: int
) -> tuple[list[tuple[float, float]], np.ndarray, np.ndarray]:
    """Bounds, prior means and prior widths of the log hyperparameters: `dim` length scales,
    `signals` signal variances (their prior means and lower bounds divided by `signals`, so
    their sum starts where one would) and the noise variance."""
    shift = math.log(1.0 / signals)
    low, high = _LOG_BOUNDS["signal"]
    bounds = (
        [_LOG_BOUNDS["length"]] * dim + [(low + shift, high)] * signals + [_LOG_BOUNDS["noise"]]
    )
    lengths, signal, noise = _PRIOR["length"], _PRIOR["signal"], _PRIOR["noise"]
    mean = np.array([lengths[0]] * dim + [signal[0] + shift] * signals + [noise[0]])
    width = np.array([lengths[1]] * dim + [signal[1]] * signals + [noise[1]])
    return bounds, mean, width


def sq_dists(a: np.ndarray, b: np.ndarray, cat: np.ndarray) -> np.ndarray:
    """Per column: squared differences (numeric) or inequality (categorical), (dim, n_a, n_b)."""
    diff = a.T[:, :, None] - b.T[:, None, :]
    return np.where(cat[:, None, None], (diff != 0).astype(float), diff * diff)


def matern(r2: np.ndarray) -> np.ndarray:
    """The Matern 5/2 correlation at squared scaled distances `r2`."""
    r = np.sqrt(np.maximum(r2, 0.0))
    return (1.0 + _SQRT5 * r + 5.0 / 3.0 * r2) * np.exp(-_SQRT5 * r)


def _evidence(k: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray] | None:
    """Minus the log marginal likelihood under the covariance `k`, and dL/dK (None when `k`
    is not positive definite)."""
    n = len(y)
    try:
        chol = linalg.cho_factor(k, lower=True)
    except linalg.LinAlgError:
        return None
    alpha = linalg.cho_solve(chol, y)
    nll = (
        0.5 * float(y @ alpha)
        + float(np.sum(np.log(np.diag(chol[0]))))
        + 0.5 * n * math.log(2 * math.pi)
    )
    return nll, np.outer(alpha, alpha) - linalg.cho_solve(chol, np.eye(n))


def neg_log_posterior(
    theta: np.ndarray, sq: np.ndarray, y: np.ndarray, mean: np.ndarray, width: np.ndarray
) -> tuple[float, np.ndarray]:
    """`GP`: minus (log marginal likelihood + log prior), and its gradient in `theta`."""
    inv_len2 = np.exp(-2.0 * theta[:-2])
    signal, noise = math.exp(theta[-2]), math.exp(theta[-1])
    r2 = np.tensordot(inv_len2, sq, axes=1)
    r = np.sqrt(np.maximum(r2, 0.0))
    e = np.exp(-_SQRT5 * r)
    kern = signal * (1.0 + _SQRT5 * r + 5.0 / 3.0 * r2) * e
    found = _evidence(kern + (noise + 1e-8) * np.eye(len(y)), y)
    if found is None:
        return 1e10, np.zeros_like(theta)
    nll, inner = found
    b = inner * (-signal * (5.0 / 6.0) * (1.0 + _SQRT5 * r) * e)  # dL/dK * dK/dr2
    grad = np.empty_like(theta)
    # dr2 / dlog(length_j) = -2 sq_j / length_j^2
    grad[:-2] = 0.5 * np.tensordot(sq, b, axes=([1, 2], [0, 1])) * (-2.0 * inv_len2)
    grad[-2] = 0.5 * float(np.sum(inner * kern))
    grad[-1] = 0.5 * float(np.trace(inner)) * noise
    z = (theta - mean) / width
    return nll + 0.5 * float(z @ z), -grad + z / width


def additive_neg_log_posterior(
    theta: np.ndarray, sq: np.ndarray, y: np.ndarray, mean: np.ndarray, width: np.ndarray
) -> tuple[float, np.ndarray]:
    """`AdditiveGP`: minus (log marginal likelihood + log prior), and its gradient."""
    dim = sq.shape[0]
    signal, noise = np.exp(theta[dim:-1]), math.exp(theta[-1])
    r2 = sq * np.exp(-2.0 * theta[:dim])[:, None, None]
    r = np.sqrt(np.maximum(r2, 0.0))
    e = np.exp(-_SQRT5 * r)
    corr = (1.0 + _SQRT5 * r + 5.0 / 3.0 * r2) * e  # (dim, n, n)
    found = _evidence(np.tensordot(signal, corr, axes=1) + (noise + 1e-8) * np.eye(len(y)), y)
    if found is None:
        return 1e10, np.zeros_like(theta)
    nll, inner = found
    grad = np.empty_like(theta)
    # dK/dlog(length_j) = signal_j dcorr/dr2 (-2 r2_j); dK/dlog(signal_j) = signal_j corr_j
    dcorr = -(5.0 / 6.0) * (1.0 + _SQRT5 * r) * e * (-2.0 * r2)
    grad[:dim] = 0.5 * signal * np.einsum("ab,jab->j", inner, dcorr)
    grad[dim:-1] = 0.5 * signal * np.einsum("ab,jab->j", inner, corr)
    grad[-1] = 0.5 * float(np.trace(inner)) * noise
    z = (theta - mean) / width
    return nll + 0.5 * float(z @ z), -grad + z / width


def log_h(z: np.ndarray) -> np.ndarray:
    """log(z Phi(z) + phi(z)), stable for very negative z (erfcx) and large z."""
    z = np.clip(z, -1e4, 40.0)
    log_phi = -0.5 * z * z - 0.5 * math.log(2 * math.pi)
    neg = z < 0
    zn = np.where(neg, z, -1.0)
    tail = log_phi + np.log1p(zn * math.sqrt(math.pi / 2) * special.erfcx(-zn / math.sqrt(2)))
    zp = np.where(neg, 0.0, z)
    direct = np.log(zp * special.ndtr(zp) + np.exp(-0.5 * zp * zp) / math.sqrt(2 * math.pi))
    return np.where(neg, tail, direct)
