# Reference values from R's bayesmeta for the Bayesian summary survival curve
# (secondhct.stats.curve_bayes), tested by tests/stats/test_curve_bayes.py.
#
# Usage (from anywhere):
#   BAYESMETA_SRC=/path/to/bayesmeta/R Rscript tests/reference/make_curve_bayesmeta_reference.R [OUTPUT.json]
# BAYESMETA_SRC is the R/ folder of the bayesmeta source package (3.4 used); its bayesmeta.R
# and bmr.R are *sourced* (forestplot, which bayesmeta's DESCRIPTION requires, is only used for
# plots and is not loaded); metafor, mvtnorm and numDeriv must be installed.
# Default output: curve_bayesmeta_reference.json beside this script; "%.17g", NA as null,
# no timestamp.  Datasets: curve_datasets.R (shared with make_curve_reference.R).
#
# bayesmeta applies where the rows are independent (one time point per report): then the
# curve model is bmr(y, sigma, X = cbind(1, log t)) (dataset one_time_each), and the
# categorical model with one distinct time is bayesmeta(y, sigma) (dataset one_time).
# Options that differ from the defaults (as make_bayesmeta_reference.R, see BAYESMETA.md):
# delta = 1e-5, epsilon = 1e-7 (mixture accurate to ~1e-6), interval.type = "central".

suppressPackageStartupMessages({
  library(metafor)
  library(mvtnorm)
  library(numDeriv)
})

src <- Sys.getenv("BAYESMETA_SRC")
if (!nzchar(src) || !file.exists(file.path(src, "bmr.R")))
  stop("set BAYESMETA_SRC to the R/ folder of the bayesmeta source package")
source(file.path(src, "bayesmeta.R"))
source(file.path(src, "bmr.R"))
bayesmeta_version <- unname(read.dcf(file.path(src, "..", "DESCRIPTION"), fields = "Version")[1, 1])

args <- commandArgs(trailingOnly = TRUE)
script_dir <- local({
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(file_arg)) dirname(normalizePath(sub("^--file=", "", file_arg[1]))) else "."
})
out_path <- if (length(args) >= 1) args[1] else file.path(script_dir, "curve_bayesmeta_reference.json")
source(file.path(script_dir, "json_writer.R"))
source(file.path(script_dir, "curve_datasets.R"))

DELTA <- 1e-5
EPSILON <- 1e-7
TIMES <- c(1, 2, 3, 5)
LEVEL <- 0.95
P3 <- c(0.5, (1 - LEVEL) / 2, (1 + LEVEL) / 2)

sigma_of <- function(d) sqrt(diag(curve_yv(d)$V))  # independent rows: V is diagonal

bmr_case <- function(name, scale) {
  d <- curve_datasets[[name]]
  stopifnot(!any(duplicated(d$study)))
  X <- cbind(intercept = 1, log_time = log(d$t))
  b <- bmr(curve_yv(d)$yi, sigma_of(d), X = X, tau.prior = function(t) dhalfnormal(t, scale = scale),
           interval.type = "central", delta = DELTA, epsilon = EPSILON)
  inside <- TIMES[TIMES >= min(d$t) & TIMES <= max(d$t)]
  mean_q <- sapply(inside, function(t) b$qpredict(p = P3, x = c(1, log(t)), mean = TRUE))
  pred_q <- sapply(inside, function(t) b$qpredict(p = P3[2:3], x = c(1, log(t)), mean = FALSE))
  list(
    dataset = name, time_model = "weibull", tau_prior = sprintf("halfnormal:%g", scale), fn = "bmr",
    tau = vec(b$qposterior(tau.p = P3)),
    beta = list(intercept = vec(b$qposterior(beta.p = P3, which.beta = 1)),
                log_time = vec(b$qposterior(beta.p = P3, which.beta = 2))),
    prob_log_time_coef_le_0 = b$pposterior(beta = 0, which.beta = 2),
    pred_times = vec(inside),
    eta_median = vec(mean_q[1, ]), eta_lb = vec(mean_q[2, ]), eta_ub = vec(mean_q[3, ]),
    eta_pred_lb = vec(pred_q[1, ]), eta_pred_ub = vec(pred_q[2, ]),
    support_points = length(b$support$weight)
  )
}

bayesmeta_case <- function(name, scale) {
  d <- curve_datasets[[name]]
  stopifnot(!any(duplicated(d$study)), length(unique(d$t)) == 1)
  b <- bayesmeta(curve_yv(d)$yi, sigma_of(d), tau.prior = function(t) dhalfnormal(t, scale = scale),
                 interval.type = "central", delta = DELTA, epsilon = EPSILON)
  mq <- b$qposterior(mu.p = P3)
  pi <- b$post.interval(mu.level = LEVEL, predict = TRUE, method = "central")
  list(
    dataset = name, time_model = "categorical", tau_prior = sprintf("halfnormal:%g", scale), fn = "bayesmeta",
    tau = vec(b$qposterior(tau.p = P3)),
    beta = setNames(list(vec(mq)), sprintf("%g", d$t[1])),
    pred_times = vec(d$t[1]),
    eta_median = vec(mq[1]), eta_lb = vec(mq[2]), eta_ub = vec(mq[3]),
    eta_pred_lb = vec(pi[1]), eta_pred_ub = vec(pi[2]),
    support_points = nrow(b$support)
  )
}

cases <- list(
  bmr_case("one_time_each", 0.5),
  bmr_case("one_time_each", 1),
  bayesmeta_case("one_time", 0.5)
)
names(cases) <- vapply(cases, function(c) paste(c$dataset, c$time_model, c$tau_prior, sep = "/"), "")

result <- list(
  source = list(
    r_version = R.version.string,
    bayesmeta_version = bayesmeta_version,
    metafor_version = as.character(packageVersion("metafor")),
    script = "tests/reference/make_curve_bayesmeta_reference.R",
    delta = DELTA, epsilon = EPSILON,
    calls = c(
      "yi <- log(-log(S)); sigma <- sqrt(w) / -log(S), w = (se/S)^2 or (1 - S)/(n S)  (curve_datasets.R: curve_yv)",
      "b <- bmr(yi, sigma, X = cbind(intercept = 1, log_time = log(t)), tau.prior = function(t) dhalfnormal(t, scale = S), interval.type = 'central', delta = 1e-5, epsilon = 1e-7)",
      "b$qposterior(tau.p = c(0.5, 0.025, 0.975)); b$qposterior(beta.p = c(0.5, 0.025, 0.975), which.beta = j); b$pposterior(beta = 0, which.beta = 2)",
      "b$qpredict(p = c(0.5, 0.025, 0.975), x = c(1, log(t)), mean = TRUE); b$qpredict(p = c(0.025, 0.975), x = c(1, log(t)), mean = FALSE)",
      "b <- bayesmeta(yi, sigma, tau.prior = function(t) dhalfnormal(t, scale = S), interval.type = 'central', delta = 1e-5, epsilon = 1e-7); b$qposterior(tau.p = ..., mu.p = ...); b$post.interval(mu.level = 0.95, predict = TRUE, method = 'central')"
    ),
    times = vec(TIMES)
  ),
  level = LEVEL,
  cases = cases
)
writeLines(to_json(result), out_path)
cat("wrote", length(cases), "cases to", out_path, "\n")
