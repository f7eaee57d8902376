# Reference values from R's bayesmeta for tests/stats/test_bayes_vs_bayesmeta.py.
#
# Usage (from anywhere):
#   BAYESMETA_SRC=/path/to/bayesmeta/R Rscript tests/reference/make_bayesmeta_reference.R [OUTPUT.json]
# BAYESMETA_SRC is the R/ folder of the bayesmeta source package (version 3.4 used; its
# DESCRIPTION one level up gives the version recorded).  The files are sourced, not
# installed; bayesmeta's dependencies metafor, mvtnorm and numDeriv must be installed
# (forestplot is only needed for plots and is not loaded).
# Default output: bayesmeta_reference.json beside this script.  Numbers are written with
# sprintf("%.17g"); missing values as null; no timestamp, so the output is reproducible.
#
# Options that differ from bayesmeta's defaults (see BAYESMETA.md in this folder):
#   delta = 1e-5 (default 0.01) and epsilon = 1e-7 (default 1e-4): the DIRECT mixture
#   approximation of the mu / theta posteriors is then accurate to ~1e-6 instead of ~1e-3;
#   interval.type = "central" (default "shortest"), as secondhct reports central intervals.
# A fine-delta fit takes 3-60 s, so the grid is a design in which every k, every tau prior
# family, both mu priors and both data types occur (not the full cross product); the fits
# run on up to 2 cores (parallel::mclapply; the results do not depend on it).

suppressPackageStartupMessages({
  library(metafor)
  library(mvtnorm)
  library(numDeriv)
  library(parallel)
})

src <- Sys.getenv("BAYESMETA_SRC")
if (!nzchar(src) || !file.exists(file.path(src, "bayesmeta.R")))
  stop("set BAYESMETA_SRC to the R/ folder of the bayesmeta source package")
source(file.path(src, "bayesmeta.R"))
bayesmeta_version <- unname(read.dcf(file.path(src, "..", "DESCRIPTION"), fields = "Version")[1, 1])

args <- commandArgs(trailingOnly = TRUE)
if (length(args) >= 1) {
  out_path <- args[1]
} else {
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  here <- if (length(file_arg)) dirname(normalizePath(sub("^--file=", "", file_arg[1]))) else "."
  out_path <- file.path(here, "bayesmeta_reference.json")
}

DELTA <- 1e-5
EPSILON <- 1e-7

# ---- the shared JSON writer (json_writer.R, beside this script) ----------------------
script_dir <- local({
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(file_arg)) dirname(normalizePath(sub("^--file=", "", file_arg[1]))) else "."
})
source(file.path(script_dir, "json_writer.R"))

# ---- datasets (the first k studies of each are used) ----------------------------------
# proportions: e.g. survivors at 2 years / patients; logits by escalc(measure = "PLO")
prop <- list(xi = c(9, 14, 5, 22, 11, 7, 30, 4, 16, 12, 19, 6, 25),
             ni = c(34, 41, 25, 70, 38, 19, 96, 21, 45, 52, 60, 17, 80))
es <- escalc(measure = "PLO", xi = prop$xi, ni = prop$ni)
# ratios: hazard ratios with 95% CIs; yi = log HR, vi from the CI width
hr <- list(est = c(0.62, 0.85, 1.10, 0.48, 0.73, 0.95, 0.55, 1.32, 0.70, 0.88, 0.60, 1.05, 0.79),
           lower = c(0.41, 0.60, 0.70, 0.30, 0.52, 0.71, 0.33, 0.80, 0.45, 0.66, 0.38, 0.74, 0.61),
           upper = c(0.94, 1.20, 1.73, 0.77, 1.02, 1.27, 0.92, 2.18, 1.09, 1.17, 0.95, 1.49, 1.02))
datasets <- list(
  prop = list(yi = c(es$yi), vi = c(es$vi), xi = prop$xi, ni = prop$ni, threshold = qlogis(0.3)),
  ratio = list(yi = log(hr$est), vi = ((log(hr$upper) - log(hr$lower)) / (2 * qnorm(0.975)))^2,
               hr_est = hr$est, hr_lower = hr$lower, hr_upper = hr$upper, threshold = 0)
)

# ---- priors, written as secondhct's parse_tau_prior / parse_mu_prior text -------------
tau_prior_fun <- function(text) {
  parts <- strsplit(text, ":", fixed = TRUE)[[1]]
  p <- as.numeric(strsplit(parts[2], ",", fixed = TRUE)[[1]])
  switch(parts[1],
         halfnormal = function(t) dhalfnormal(t, scale = p[1]),
         halfcauchy = function(t) dhalfcauchy(t, scale = p[1]),
         uniform = function(t) dunif(t, min = 0, max = p[1]),
         lognormal = function(t) dlnorm(t, meanlog = p[1], sdlog = p[2]),
         stop("unknown tau prior ", text))
}
mu_prior_vec <- function(text) {
  if (text == "flat") return(c(NA, NA))
  as.numeric(strsplit(sub("^normal:", "", text), ",", fixed = TRUE)[[1]])
}

# k, dataset, tau prior, mu prior.  Every k, tau prior family (half-normal 0.5 and 1.0,
# half-Cauchy 0.5, uniform 2, log-normal(-1.07, 0.8)), mu prior and dataset occurs.
# Not included: k = 1 with a half-Cauchy prior and flat mu prior, where bayesmeta stops
# ("the integral is probably divergent": the posterior of tau is the prior, with no mean).
design <- list(
  list(1, "prop", "halfnormal:0.5", "flat"),
  list(1, "ratio", "uniform:2", "normal:0,4"),
  list(2, "ratio", "halfnormal:0.5", "flat"),
  list(2, "prop", "lognormal:-1.07,0.8", "normal:0,4"),
  list(3, "prop", "halfcauchy:0.5", "flat"),
  list(3, "ratio", "halfnormal:1", "normal:0,4"),
  list(6, "ratio", "uniform:2", "flat"),
  list(6, "prop", "halfnormal:1", "normal:0,4"),
  list(13, "prop", "halfnormal:0.5", "flat")
)

fit_case <- function(d) {
  k <- d[[1]]; ds <- datasets[[d[[2]]]]
  yi <- ds$yi[1:k]; vi <- ds$vi[1:k]
  b <- bayesmeta(yi, sqrt(vi), tau.prior = tau_prior_fun(d[[3]]), mu.prior = mu_prior_vec(d[[4]]),
                 interval.type = "central", delta = DELTA, epsilon = EPSILON)
  s <- b$summary
  tq <- b$qposterior(tau.p = c(0.5, 0.025, 0.975))
  mq <- b$qposterior(mu.p = c(0.5, 0.025, 0.975))
  pi <- b$post.interval(mu.level = 0.95, predict = TRUE, method = "central")
  list(
    k = k, dataset = d[[2]], tau_prior = d[[3]], mu_prior = d[[4]], threshold = ds$threshold,
    mu_median = mq[1], mu_mean = s["mean", "mu"], mu_sd = s["sd", "mu"], ci_lb = mq[2], ci_ub = mq[3],
    pi_lb = pi[1], pi_ub = pi[2],
    tau = tq[1], tau_lb = tq[2], tau_ub = tq[3], tau_mean = s["mean", "tau"],
    theta_mean = vec(b$theta["mean", ]), theta_sd = vec(b$theta["sd", ]),
    theta_lb = vec(b$theta["95% lower", ]), theta_ub = vec(b$theta["95% upper", ]),
    prob_above = 1 - b$pposterior(mu = ds$threshold),
    mean_weights = vec(b$weights[1:k]),
    support_points = nrow(b$support)
  )
}

fits <- mclapply(design, fit_case, mc.cores = min(2L, max(1L, detectCores())), mc.preschedule = FALSE)
failed <- vapply(fits, inherits, TRUE, what = "try-error")
if (any(failed)) stop("bayesmeta failed: ", paste(unlist(fits[failed]), collapse = "; "))
cases <- list()
for (f in fits) cases[[paste(paste0("k", f$k), f$dataset, f$tau_prior, f$mu_prior, sep = "/")]] <- f

result <- list(
  source = list(
    r_version = R.version.string,
    bayesmeta_version = bayesmeta_version,
    metafor_version = as.character(packageVersion("metafor")),
    script = "tests/reference/make_bayesmeta_reference.R",
    delta = DELTA, epsilon = EPSILON,
    calls = c(
      "escalc(measure = 'PLO', xi = xi, ni = ni)  # defaults: add = 1/2, to = 'only0'",
      "b <- bayesmeta(yi[1:k], sqrt(vi[1:k]), tau.prior = function(t) dhalfnormal(t, scale = S) | dhalfcauchy(t, scale = S) | dunif(t, 0, U) | dlnorm(t, M, SD), mu.prior = c(NA, NA) | c(0, 4), interval.type = 'central', delta = 1e-5, epsilon = 1e-7)",
      "b$qposterior(mu.p = c(0.5, 0.025, 0.975)); b$summary[c('mean', 'sd'), 'mu']",
      "b$post.interval(mu.level = 0.95, predict = TRUE, method = 'central')",
      "b$qposterior(tau.p = c(0.5, 0.025, 0.975)); b$summary['mean', 'tau']",
      "b$theta[c('mean', 'sd', '95% lower', '95% upper'), ]",
      "1 - b$pposterior(mu = threshold)  # threshold: qlogis(0.3) for prop, 0 for ratio",
      "b$weights[1:k]  # posterior mean weights of the reports (the prior mean's share, if any, left out)"
    )
  ),
  level = 0.95,
  datasets = lapply(datasets, function(ds) lapply(ds, function(x) if (length(x) > 1) vec(x) else x)),
  cases = cases
)
writeLines(to_json(result), out_path)
cat("wrote", length(cases), "cases to", out_path, "\n")
