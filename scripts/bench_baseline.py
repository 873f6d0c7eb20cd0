"""numpy baselines for scripts/bench.mjs (benchmarks only: never used by pwcca or its tests).

Usage: python3 bench_baseline.py '<json job>'  ->  prints one JSON object.

The CCA/PWCCA code is google/svcca's cca_core.get_cca_similarity + pwcca.compute_pwcca,
condensed but step for step (np.cov over the stacked sides, rescaling, pinv, eigh
square roots, svd, the direction products and the QR of compute_pwcca), with the
epsilon=1e-10 that pwcca's `--variant svcca` follows. Inputs are transposed to the
reference's neurons-first layout, as a user of google/svcca does.
"""
import json
import resource
import sys
import time

import numpy as np


def positivedef_matrix_sqrt(array):
    w, v = np.linalg.eigh(array)
    wsqrt = np.sqrt(w)
    return np.dot(v, np.dot(np.diag(wsqrt), np.conj(v).T))


def remove_small(sigma_xx, sigma_xy, sigma_yx, sigma_yy, epsilon):
    x_diag = np.abs(np.diagonal(sigma_xx))
    y_diag = np.abs(np.diagonal(sigma_yy))
    x_idxs = x_diag >= epsilon
    y_idxs = y_diag >= epsilon
    return (sigma_xx[x_idxs][:, x_idxs], sigma_xy[x_idxs][:, y_idxs], sigma_yx[y_idxs][:, x_idxs],
            sigma_yy[y_idxs][:, y_idxs], x_idxs, y_idxs)


def compute_ccas(sigma_xx, sigma_xy, sigma_yx, sigma_yy, epsilon):
    sigma_xx, sigma_xy, sigma_yx, sigma_yy, x_idxs, y_idxs = remove_small(sigma_xx, sigma_xy, sigma_yx, sigma_yy, epsilon)
    numx, numy = sigma_xx.shape[0], sigma_yy.shape[0]
    sigma_xx += epsilon * np.eye(numx)
    sigma_yy += epsilon * np.eye(numy)
    inv_xx = np.linalg.pinv(sigma_xx)
    inv_yy = np.linalg.pinv(sigma_yy)
    invsqrt_xx = positivedef_matrix_sqrt(inv_xx)
    invsqrt_yy = positivedef_matrix_sqrt(inv_yy)
    arr = np.dot(invsqrt_xx, np.dot(sigma_xy, invsqrt_yy))
    u, s, v = np.linalg.svd(arr)
    return [u, np.abs(s), v], invsqrt_xx, invsqrt_yy, x_idxs, y_idxs


def get_cca_similarity(acts1, acts2, epsilon):
    numx, numy = acts1.shape[0], acts2.shape[0]
    covariance = np.cov(acts1, acts2)
    sigmaxx = covariance[:numx, :numx]
    sigmaxy = covariance[:numx, numx:]
    sigmayx = covariance[numx:, :numx]
    sigmayy = covariance[numx:, numx:]
    xmax = np.max(np.abs(sigmaxx))
    ymax = np.max(np.abs(sigmayy))
    sigmaxx /= xmax
    sigmayy /= ymax
    sigmaxy /= np.sqrt(xmax * ymax)
    sigmayx /= np.sqrt(xmax * ymax)
    (u, s, v), invsqrt_xx, invsqrt_yy, x_idxs, y_idxs = compute_ccas(sigmaxx, sigmaxy, sigmayx, sigmayy, epsilon)
    r = {"coef_x": u.T, "coef_y": v, "cca_coef1": s, "x_idxs": x_idxs, "y_idxs": y_idxs}
    x_mask = np.dot(x_idxs.reshape((-1, 1)), x_idxs.reshape((1, -1)))
    y_mask = np.dot(y_idxs.reshape((-1, 1)), y_idxs.reshape((1, -1)))
    full_coef_x = np.zeros((numx, numx)); np.place(full_coef_x, x_mask, r["coef_x"])
    full_invsqrt_xx = np.zeros((numx, numx)); np.place(full_invsqrt_xx, x_mask, invsqrt_xx)
    full_coef_y = np.zeros((numy, numy)); np.place(full_coef_y, y_mask, r["coef_y"])
    full_invsqrt_yy = np.zeros((numy, numy)); np.place(full_invsqrt_yy, y_mask, invsqrt_yy)
    r["neuron_means1"] = np.mean(acts1, axis=1, keepdims=True)
    r["neuron_means2"] = np.mean(acts2, axis=1, keepdims=True)
    # compute_dirns=True, as compute_pwcca asks
    r["cca_dirns1"] = np.dot(np.dot(full_coef_x, full_invsqrt_xx), acts1 - r["neuron_means1"]) + r["neuron_means1"]
    r["cca_dirns2"] = np.dot(np.dot(full_coef_y, full_invsqrt_yy), acts2 - r["neuron_means2"]) + r["neuron_means2"]
    r["mean"] = np.mean(s)
    return r


def compute_pwcca(acts1, acts2, epsilon=1e-10):
    sresults = get_cca_similarity(acts1, acts2, epsilon)
    if np.sum(sresults["x_idxs"]) <= np.sum(sresults["y_idxs"]):
        idxs, acts, means = sresults["x_idxs"], acts1, sresults["neuron_means1"]
        coef = sresults["coef_x"]
    else:  # the reference reads acts1 here (its bug); we use the second side's own rows
        idxs, acts, means = sresults["y_idxs"], acts2, sresults["neuron_means2"]
        coef = sresults["coef_y"]
    dirns = np.dot(coef, acts[idxs] - means[idxs]) + means[idxs]
    coefs = sresults["cca_coef1"]
    P, _ = np.linalg.qr(dirns.T)
    weights = np.sum(np.abs(np.dot(P.T, acts[idxs].T)), axis=1)
    weights = weights / np.sum(weights)
    return float(np.sum(weights * coefs)), float(sresults["mean"])


def load(path):
    # What a google/svcca user does: load, float64, neurons x datapoints, centred per neuron.
    acts = np.load(path).astype(np.float64).T
    return acts - acts.mean(axis=1, keepdims=True)


def b1(job):
    times = []
    for _ in range(job.get("reps", 3)):
        t = time.perf_counter()
        pw, mean = compute_pwcca(load(job["a"]), load(job["b"]))
        times.append(time.perf_counter() - t)
    return {"seconds": sorted(times)[len(times) // 2], "all": times, "pwcca": pw, "cca": mean}


def b2(job):
    paths = job["paths"]
    pairs = [(i, j) for i in range(len(paths)) for j in range(i + 1, len(paths))]
    limit = job.get("pairs")
    timed = pairs[:limit] if limit else pairs
    t = time.perf_counter()
    for i, j in timed:
        compute_pwcca(load(paths[i]), load(paths[j]))
    seconds = time.perf_counter() - t
    return {"seconds": seconds * len(pairs) / len(timed), "timedPairs": len(timed), "pairs": len(pairs)}


def b3(job):
    """Chunked float64 moments from memory-mapped files (numpy cannot hold both as float64 in 400 MB), then CCA."""
    t = time.perf_counter()
    cpu = time.process_time()
    xa = np.load(job["a"], mmap_mode="r")
    xb = np.load(job["b"], mmap_mode="r")
    n, dx = xa.shape
    dy = xb.shape[1]
    step = 8192
    sa = np.zeros(dx); sb = np.zeros(dy)
    for r in range(0, n, step):
        sa += xa[r:r + step].astype(np.float64).sum(axis=0)
        sb += xb[r:r + step].astype(np.float64).sum(axis=0)
    ma, mb = sa / n, sb / n
    xx = np.zeros((dx, dx)); yy = np.zeros((dy, dy)); xy = np.zeros((dx, dy))
    for r in range(0, n, step):
        a = xa[r:r + step].astype(np.float64) - ma
        b = xb[r:r + step].astype(np.float64) - mb
        xx += a.T @ a; yy += b.T @ b; xy += a.T @ b
    rho = cca_from_moments(xx, yy, xy)
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "cpuSeconds": time.process_time() - cpu, "cca": float(np.mean(rho)),
            "maxRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def cca_from_moments(xx, yy, xy):
    def whiten(c):
        w, v = np.linalg.eigh(c)
        keep = w > max(c.shape[0], 1) * 2.0 ** -52 * w.max()
        return v[:, keep] / np.sqrt(w[keep])
    wx, wy = whiten(xx), whiten(yy)
    return np.clip(np.linalg.svd(wx.T @ xy @ wy, compute_uv=False), 0, 1)


def same(job):
    """pwcca's algorithm in numpy, on ONE thread, CPU time: each file loaded and prepared once
    (mean, covariance, symmetric eigendecomposition, whitening W = V diag(w^-1/2) over the kept
    eigenvalues), then per pair the centred cross-covariance, the SVD of W_x^T C W_y and the
    PWCCA weights from C_xx W_x U and C_yy W_y V (both directions, pwcca-spec.md). `pairs`:
    "one" (the first two files) or "all"."""
    try:
        from threadpoolctl import threadpool_limits
        limit = threadpool_limits(limits=1)
    except ImportError:
        limit = None  # the caller also sets OPENBLAS_NUM_THREADS=1
    start = time.process_time()
    wall = time.perf_counter()
    sides = []
    for path in job["paths"]:
        x = np.load(path).astype(np.float64)
        n = x.shape[0]
        mean = x.mean(axis=0)
        x -= mean
        cov = (x.T @ x) / (n - 1)
        w, v = np.linalg.eigh(cov)
        keep = w > max(cov.shape[0], n) * 2.0 ** -52 * w.max()
        sides.append({"x": x, "cov": cov, "w": v[:, keep] / np.sqrt(w[keep]), "n": n})
    k = len(sides)
    pairs = [(0, 1)] if job.get("pairs") == "one" else [(i, j) for i in range(k) for j in range(i + 1, k)]
    values = []
    for i, j in pairs:
        a, b = sides[i], sides[j]
        cross = (a["x"].T @ b["x"]) / (a["n"] - 1)
        u, rho, vt = np.linalg.svd(a["w"].T @ cross @ b["w"], full_matrices=False)
        rho = np.clip(rho, 0, 1)
        wa = np.abs(a["cov"] @ (a["w"] @ u)).sum(axis=0); wa /= wa.sum()
        wb = np.abs(b["cov"] @ (b["w"] @ vt.T)).sum(axis=0); wb /= wb.sum()
        values.append((float(np.sum(wa * rho)), float(np.sum(wb * rho)), float(np.mean(rho))))
    del limit
    return {"cpuSeconds": time.process_time() - start, "seconds": time.perf_counter() - wall, "pairs": len(pairs), "values": values, "blas": blas_architecture()}


def blas_architecture():
    """The BLAS kernels in use (e.g. SkylakeX, or Nehalem under OPENBLAS_CORETYPE=NEHALEM), when threadpoolctl knows."""
    try:
        from threadpoolctl import threadpool_info
        return next((info.get("architecture") for info in threadpool_info() if info.get("user_api") == "blas"), None)
    except ImportError:
        return None


def b4(job):
    return b1({**job, "reps": 1})


def kernel(job):
    n, d = job["n"], job["d"]
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, d)); y = rng.standard_normal((n, d))
    best = float("inf")
    best_cpu = float("inf")
    for _ in range(5):
        t = time.perf_counter(); c = time.process_time()
        x.T @ y
        best = min(best, time.perf_counter() - t); best_cpu = min(best_cpu, time.process_time() - c)
    # CPU time is the fair figure on one thread of a shared machine (a busy core stretches wall time, not CPU time).
    return {"seconds": best, "gflops": 2 * n * d * d / best / 1e9, "gflopsCpu": 2 * n * d * d / best_cpu / 1e9}


def decompose(job):
    """CPU seconds of LAPACK's symmetric eigendecomposition (eigh: dsyevd) and thin SVD
    (svd: dgesdd), vectors included, on one thread, for the matrices pwcca times (.npy files),
    best of `reps`. One thread through threadpoolctl when it is installed, else through the
    OPENBLAS_NUM_THREADS=1 the caller sets."""
    try:
        from threadpoolctl import threadpool_limits
        limit = threadpool_limits(limits=1)
        how = "threadpoolctl"
    except ImportError:
        limit = None
        how = "OPENBLAS_NUM_THREADS"
    out = {"threads": how}
    for entry in job["matrices"]:
        a = np.load(entry["path"])
        fn = (lambda: np.linalg.eigh(a)) if entry["kind"] == "eigen" else (lambda: np.linalg.svd(a, full_matrices=False))
        best = float("inf")
        for _ in range(entry.get("reps", 1)):
            t = time.process_time()
            fn()
            best = min(best, time.process_time() - t)
        out[entry["name"]] = best
    del limit  # the limit lasts as long as the process
    return out


def permutations(job):
    # What a user of google/svcca runs for a permutation null: the whole
    # reference computation again for every shuffle of b's datapoints.
    a, b = load(job["a"]), load(job["b"])
    rng = np.random.default_rng(0)
    t = time.perf_counter()
    for _ in range(job["permutations"]):
        compute_pwcca(a, b[:, rng.permutation(b.shape[1])])
    return {"seconds": time.perf_counter() - t, "permutations": job["permutations"]}


def permutations_same(job):
    """pwcca's permutation algorithm in numpy with its BLAS on every core: each side
    prepared once (centred, eigh of the covariance, whitened variates Z = Xc W over the kept
    eigenvalues, loadings C W), then per shuffle the gathered rows, one n x r x r product,
    the SVD and both directions' PWCCA weights. The cost any float64 implementation of the
    statistic pays per shuffle on this machine."""
    prepared = []
    for path in (job["a"], job["b"]):
        x = np.load(path).astype(np.float64)
        n = x.shape[0]
        x -= x.mean(axis=0)
        cov = (x.T @ x) / (n - 1)
        w, v = np.linalg.eigh(cov)
        keep = w > max(cov.shape[0], n) * 2.0 ** -52 * w.max()
        basis = v[:, keep] / np.sqrt(w[keep])
        prepared.append({"z": x @ basis, "loadings": v[:, keep] * np.sqrt(w[keep]), "n": n})
    a, b = prepared
    rng = np.random.default_rng(0)
    start = time.process_time()
    wall = time.perf_counter()
    for _ in range(job["permutations"]):
        m = (a["z"].T @ b["z"][rng.permutation(b["n"])]) / (a["n"] - 1)
        u, rho, vt = np.linalg.svd(m, full_matrices=False)
        rho = np.clip(rho, 0, 1)
        wa = np.abs(a["loadings"] @ u).sum(axis=0); wa /= wa.sum()
        wb = np.abs(b["loadings"] @ vt.T).sum(axis=0); wb /= wb.sum()
        0.5 * (np.sum(wa * rho) + np.sum(wb * rho))
    return {"seconds": time.perf_counter() - wall, "cpuSeconds": time.process_time() - start, "permutations": job["permutations"]}


def main():
    job = json.loads(sys.argv[1])
    result = {"b1": b1, "b2": b2, "b3": b3, "b4": b4, "same": same, "kernel": kernel, "decompose": decompose, "permutations": permutations, "permutations_same": permutations_same}[job["task"]](job)
    result["numpy"] = np.__version__
    print(json.dumps(result))


if __name__ == "__main__":
    main()
