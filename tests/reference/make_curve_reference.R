# Reference values from R's metafor for tests/stats/test_curve_vs_metafor.py: the summary
# survival curve of issue 22 (secondhct.stats.curve) fitted as a multivariate model.
#
# Usage (from anywhere):  Rscript tests/reference/make_curve_reference.R [OUTPUT.json]
# Default output: curve_reference.json beside this script.  Datasets: curve_datasets.R
# (shared with make_curve_bayesmeta_reference.R).  Numbers are written with sprintf("%.17g");
# NA as null; no timestamp, so regenerating with the same R/metafor gives the same bytes.
#
# The model, for each dataset and tau^2 method (REML, ML):
#   rma.mv(yi, V, mods = log(t) | indicators of the distinct times (no intercept), random = ~ 1 | study, method = METHOD,
#          control = CTRL)
#   predict(res, newmods = ...) at the default times 1, 2, 3, 5 years inside the reported range.
#
# Optimiser settings (see README.md in this folder).  rma.mv maximises the (restricted)
# log-likelihood over log(sigma^2) with nlminb; near the optimum the likelihood is flat, so a
# function-value criterion stops ~1e-8 relative from the root of the score (the default
# rel.tol = 1e-10 already; nlminb with rel.tol = 1e-12 or x.tol = 1e-14 stops with "false
# convergence", BFGS with reltol = 1e-15 ends 3e-7 away, Nelder-Mead ~1e-8, bobyqa with
# rhoend = 1e-14 ~2e-8).  CTRL = nlminb with iter.max = eval.max = 10000 and rel.tol = 1e-10.
# That value is written as tau2_optimizer; then tau^2 is *polished* by solving the score
# equation of metafor's own likelihood: uniroot(tol = 1e-15) on the derivative of
# logLik(rma.mv(..., sigma2 = s)) in s (numDeriv::grad, Richardson, d = 1e-3 relative), which
# lands ~1e-10 relative from the root; at tau^2 = 0 a forward difference decides the boundary.
# Every other number comes from rma.mv refitted with sigma2 fixed at the polished value.

suppressPackageStartupMessages({
  library(metafor)
  library(numDeriv)
})

args <- commandArgs(trailingOnly = TRUE)
script_dir <- local({
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(file_arg)) dirname(normalizePath(sub("^--file=", "", file_arg[1]))) else "."
})
out_path <- if (length(args) >= 1) args[1] else file.path(script_dir, "curve_reference.json")
source(file.path(script_dir, "json_writer.R"))
source(file.path(script_dir, "curve_datasets.R"))

CTRL <- list(optimizer = "nlminb", iter.max = 10000, eval.max = 10000, rel.tol = 1e-10)
TIMES <- c(1, 2, 3, 5)
methods <- c("REML", "ML")
# dataset -> time models fitted
fits <- list(one_report = "weibull", two_reports = "weibull", one_time_each = "weibull",
             hetero_crude = c("weibull", "categorical"), categorical = c("weibull", "categorical"),
             homog = "weibull", one_time = "categorical")

fit_mv <- function(d, V, time_model, method, sigma2 = NA) {
  # the categorical model matrix is built by hand: ~ factor(t) - 1 fails with one distinct time
  weibull <- time_model == "weibull"
  mods <- if (weibull) cbind(log_time = log(d$t)) else outer(d$t, sort(unique(d$t)), "==") * 1
  suppressWarnings(rma.mv(yi, V, mods = mods, intercept = weibull, random = ~ 1 | study, data = d,
                          method = method, sigma2 = sigma2, control = CTRL))
}

polish <- function(d, V, time_model, method, s0) {
  if (length(unique(d$study)) == 1) return(list(tau2 = 0, score = NA))  # metafor fixes sigma2 = 0
  ll <- function(s) as.numeric(logLik(fit_mv(d, V, time_model, method, sigma2 = s)))
  h <- 1e-8 * max(diag(V))
  if (s0 < 1e-6 * max(diag(V)) && (ll(h) - ll(0)) / h <= 0) return(list(tau2 = 0, score = (ll(h) - ll(0)) / h))
  score <- function(s) grad(ll, s, method.args = list(d = 1e-3, r = 6))
  lo <- s0 / 2; hi <- s0 * 2
  while (score(lo) < 0) lo <- lo / 2
  while (score(hi) > 0) hi <- hi * 2
  root <- uniroot(score, c(lo, hi), tol = 1e-15)$root
  list(tau2 = root, score = score(root))
}

cases <- list()
datasets_json <- list()
for (name in names(curve_datasets)) {
  d <- curve_datasets[[name]]
  yv <- curve_yv(d)
  datasets_json[[name]] <- list(
    study = as.list(d$study), time_years = vec(d$t), surv = vec(d$S), n = vec(d$n), se = vec(d$se),
    valid = !(name %in% INVALID),
    yi = vec(if (name %in% INVALID) rep(NA, nrow(d)) else yv$yi),
    V = if (name %in% INVALID) list() else lapply(seq_len(nrow(d)), function(i) vec(yv$V[i, ]))
  )
  if (name %in% INVALID) next
  d$yi <- yv$yi
  for (tm in fits[[name]]) for (m in methods) {
    first <- fit_mv(d, yv$V, tm, m)
    p <- polish(d, yv$V, tm, m, first$sigma2)
    res <- fit_mv(d, yv$V, tm, m, sigma2 = p$tau2)
    inside <- TIMES[TIMES >= min(d$t) & TIMES <= max(d$t)]
    if (tm == "categorical") inside <- TIMES[TIMES %in% d$t]
    newmods <- if (tm == "weibull") log(inside) else outer(inside, sort(unique(d$t)), "==") * 1
    # one distinct time: metafor takes the all-ones column as the intercept (no newmods allowed)
    pr <- if (ncol(newmods) == 1 && tm == "categorical") predict(res) else predict(res, newmods = newmods)
    cases[[paste(name, tm, m, sep = "/")]] <- list(
      dataset = name, time_model = tm, method = m,
      tau2_optimizer = first$sigma2, tau2 = p$tau2, tau2_score = p$score,
      coef_names = as.list(if (tm == "weibull") c("intercept", "log_time") else sprintf("%g", sort(unique(d$t)))),
      beta = vec(res$beta), se = vec(res$se), zval = vec(res$zval), pval = vec(res$pval),
      ci_lb = vec(res$ci.lb), ci_ub = vec(res$ci.ub),
      QE = res$QE, QE_df = res$k - res$p, QE_p = res$QEp, logLik = as.numeric(logLik(res)),
      pred_times = vec(inside), omitted_times = vec(setdiff(TIMES, inside)),
      pred = vec(pr$pred), pred_se = vec(pr$se), pred_ci_lb = vec(pr$ci.lb), pred_ci_ub = vec(pr$ci.ub),
      pred_pi_lb = vec(pr$pi.lb), pred_pi_ub = vec(pr$pi.ub)
    )
  }
}

result <- list(
  source = list(
    r_version = R.version.string,
    metafor_version = as.character(packageVersion("metafor")),
    numDeriv_version = as.character(packageVersion("numDeriv")),
    script = "tests/reference/make_curve_reference.R",
    calls = c(
      "w <- ifelse(is.na(se), (1 - S)/(n S), (se/S)^2); yi <- log(-log(S)); V[j,k] <- w[min time]/(log S_j log S_k) within a report",
      "first <- rma.mv(yi, V, mods = log(t) (intercept = TRUE) | indicator matrix of the distinct times (intercept = FALSE), random = ~ 1 | study, method = METHOD, control = list(optimizer = 'nlminb', iter.max = 10000, eval.max = 10000, rel.tol = 1e-10))  # tau2_optimizer",
      "tau2 <- uniroot(function(s) numDeriv::grad(function(s) logLik(rma.mv(..., sigma2 = s)), s, method.args = list(d = 1e-3, r = 6)), bracket around first$sigma2, tol = 1e-15)$root  # 0 when the forward difference at 0 is <= 0; 0 for one report",
      "res <- rma.mv(..., sigma2 = tau2); predict(res, newmods = log(times) | indicator rows) at times in c(1, 2, 3, 5) inside the reported range"
    ),
    times = vec(TIMES)
  ),
  level = 0.95,
  datasets = datasets_json,
  cases = cases
)
writeLines(to_json(result), out_path)
cat("wrote", length(cases), "cases to", out_path, "\n")
