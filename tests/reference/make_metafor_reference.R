# Reference values from R's metafor for tests/test_pooling_vs_metafor.py (and the GLMM,
# subgroup, meta-regression, leave-one-out and cumulative tests).
#
# Usage (from anywhere):  Rscript tests/reference/make_metafor_reference.R [OUTPUT.json]
# Default output: metafor_reference.json beside this script.  Numbers are written with
# sprintf("%.17g") (full double precision); missing values as null.  The output has no
# timestamp, so regenerating with the same R/metafor/lme4 gives an identical file.
#
# Options that differ from metafor's defaults (see README.md in this folder):
#   rma(..., control = CTRL): threshold 1e-10 (default 1e-5), tol 1e-12 (default
#   .Machine$double.eps^0.25), maxiter 1000 (default 100) -- so that iterative
#   estimators are converged far below the 1e-6 comparison tolerance.
#   confint(..., control = list(tol = 1e-12, maxiter = 1000)) for the same reason.

suppressPackageStartupMessages({
  library(metafor)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) >= 1) {
  out_path <- args[1]
} else {
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  here <- if (length(file_arg)) dirname(normalizePath(sub("^--file=", "", file_arg[1]))) else "."
  out_path <- file.path(here, "metafor_reference.json")
}

CTRL <- list(threshold = 1e-10, tol = 1e-12, maxiter = 1000)
CI_CTRL <- list(tol = 1e-12, maxiter = 1000)

# ---- the shared JSON writer (json_writer.R, beside this script) ----------------------
script_dir <- local({
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(file_arg)) dirname(normalizePath(sub("^--file=", "", file_arg[1]))) else "."
})
source(file.path(script_dir, "json_writer.R"))

# ---- datasets -----------------------------------------------------------------------
count_datasets <- list(
  # 0/n and n/n studies (zero-cell correction applies to PLO, PLN, PR)
  zeros = list(xi = c(0, 3, 10, 12, 20, 7), ni = c(15, 20, 10, 40, 25, 30)),
  # two studies
  k2 = list(xi = c(4, 12), ni = c(20, 25)),
  # close to homogeneous: tau^2 estimated at the boundary 0 by most estimators
  homog = list(xi = c(10, 21, 14, 31), ni = c(50, 100, 75, 150)),
  # strong heterogeneity
  hetero = list(xi = c(2, 15, 30, 5, 40, 8, 22, 50, 3, 18), ni = c(40, 50, 60, 45, 55, 70, 35, 80, 30, 40)),
  # every study with zero events
  allzero = list(xi = c(0, 0, 0), ni = c(10, 20, 15))
)
count_measures <- c("PLO", "PAS", "PFT", "PR", "PLN")

# log hazard ratios from reported HRs with 95% CIs (yi = log HR, sei from the CI width)
hr <- list(est = c(0.62, 0.85, 1.10, 0.48, 0.73, 0.95, 0.55),
           lower = c(0.41, 0.60, 0.70, 0.30, 0.52, 0.71, 0.33),
           upper = c(0.94, 1.20, 1.73, 0.77, 1.02, 1.27, 0.92))
hr_yi <- log(hr$est)
hr_vi <- ((log(hr$upper) - log(hr$lower)) / (2 * qnorm(0.975)))^2
gen_datasets <- list(
  gen = list(yi = c(-0.89, -1.59, -1.35, -1.44, -0.22, -0.79, -1.62, 0.01, -0.47, -1.37),
             vi = c(0.33, 0.19, 0.42, 0.02, 0.05, 0.007, 0.22, 0.004, 0.06, 0.27)),
  loghr = list(yi = hr_yi, vi = hr_vi, hr_est = hr$est, hr_lower = hr$lower, hr_upper = hr$upper),
  k1 = list(yi = c(0.4), vi = c(0.05))
)
methods <- c("EE", "DL", "REML", "ML", "PM", "HS", "SJ", "HE", "EB")
tests <- c("z", "knha", "adhoc")

# ---- one fit -> a named list --------------------------------------------------------
fit_case <- function(yi, vi, method, test) {
  res <- suppressWarnings(rma(yi, vi, method = method, test = test, control = CTRL))
  pr <- predict(res)
  ci <- tryCatch(suppressWarnings(confint(res, control = CI_CTRL)), error = function(e) NULL)
  rnd <- if (is.null(ci)) NULL else ci$random
  pick <- function(row, col) if (is.null(rnd)) NA else rnd[row, col]
  list(
    k = res$k, estimate = c(res$beta), se = res$se, stat = res$zval, pval = res$pval,
    ci_lb = res$ci.lb, ci_ub = res$ci.ub,
    pi_lb = if (is.null(pr$pi.lb)) pr$ci.lb else pr$pi.lb,
    pi_ub = if (is.null(pr$pi.ub)) pr$ci.ub else pr$pi.ub,
    tau2 = res$tau2, tau2_se = res$se.tau2,
    tau2_lb = pick("tau^2", "ci.lb"), tau2_ub = pick("tau^2", "ci.ub"),
    i2 = res$I2, i2_lb = pick("I^2(%)", "ci.lb"), i2_ub = pick("I^2(%)", "ci.ub"),
    h2 = res$H2, h2_lb = pick("H^2", "ci.lb"), h2_ub = pick("H^2", "ci.ub"),
    q = res$QE, q_p = res$QEp, weights = vec(weights(res))
  )
}

cases <- list()
escalc_out <- list()
add_cases <- function(dataset, measure, yi, vi) {
  for (m in methods) for (t in tests) {
    id <- paste(dataset, measure, m, t, sep = "/")
    cases[[id]] <<- c(list(dataset = dataset, measure = measure, method = m, test = t), fit_case(yi, vi, m, t))
  }
}
for (d in names(count_datasets)) {
  ds <- count_datasets[[d]]
  for (ms in count_measures) {
    es <- escalc(measure = ms, xi = ds$xi, ni = ds$ni)
    escalc_out[[paste(d, ms, sep = "/")]] <- list(yi = vec(es$yi), vi = vec(es$vi))
    add_cases(d, ms, c(es$yi), c(es$vi))
  }
}
for (d in names(gen_datasets)) {
  ds <- gen_datasets[[d]]
  add_cases(d, "GEN", ds$yi, ds$vi)
}

# ---- back-transformations -----------------------------------------------------------
bt_grid <- c(-2.5, -0.3, 0, 0.4, 1.2)
ft_grid <- c(0.05, 0.3, 0.7, 1.2, 1.5)
ft_n <- c(15, 20, 10, 40, 25, 30)
backtransforms <- list(
  ilogit = list(x = vec(bt_grid), y = vec(transf.ilogit(bt_grid))),
  iarcsin = list(x = vec(ft_grid), y = vec(transf.iarcsin(ft_grid))),
  ipft_hm = list(x = vec(ft_grid), ni = vec(ft_n), y = vec(transf.ipft.hm(ft_grid, targs = list(ni = ft_n))))
)

# ---- binomial-normal GLMM (rma.glmm, lme4::glmer, nAGQ = 7) ---------------------------
# glmer's defaults (tolPwrss = 1e-7, bobyqa then Nelder-Mead with default tolerances)
# leave the estimates ~1e-6 from the optimum; tightened here (see README.md).
# PIRLS tolerance 1e-12; where glmer then fails (the homogeneous data), 1e-10.
glmm_ctrl <- function(tol) list(glmerCtrl = list(optimizer = "bobyqa", tolPwrss = tol,
                                                 optCtrl = list(rhoend = 1e-12, maxfun = 1e5)))
glmm_datasets <- c("zeros", "k2", "homog", "hetero")
glmm_cases <- list()
for (d in glmm_datasets) for (t in c("z", "t")) {
  ds <- count_datasets[[d]]
  tol <- 1e-12
  res <- tryCatch(suppressWarnings(rma.glmm(measure = "PLO", xi = ds$xi, ni = ds$ni, test = t, control = glmm_ctrl(tol))),
                  error = function(e) NULL)
  if (is.null(res)) {
    tol <- 1e-10
    res <- suppressWarnings(rma.glmm(measure = "PLO", xi = ds$xi, ni = ds$ni, test = t, control = glmm_ctrl(tol)))
  }
  pr <- predict(res)
  glmm_cases[[paste(d, t, sep = "/")]] <- list(
    dataset = d, test = t, tolPwrss = tol, k = res$k, estimate = c(res$beta), se = res$se, pval = res$pval,
    ci_lb = res$ci.lb, ci_ub = res$ci.ub, pi_lb = pr$pi.lb, pi_ub = pr$pi.ub,
    tau2 = res$tau2, i2 = res$I2, h2 = res$H2, q = res$QE.LRT, q_p = res$QEp.LRT
  )
}

# ---- subgroups, meta-regression, leave-one-out, cumulative ---------------------------
# subgroups: hetero counts (PLO) with a three-level factor; moderator test QM of
# rma(yi, vi, mods = ~ factor(group)) with one tau^2 for all subgroups.
group_hetero <- c("a", "b", "a", "c", "b", "a", "c", "b", "a", "c")
year_gen <- c(1998, 2001, 2003, 2003, 2006, 2008, 2010, 2012, 2015, 2019)
es_hetero <- escalc(measure = "PLO", xi = count_datasets$hetero$xi, ni = count_datasets$hetero$ni)
mod_methods <- c("EE", "DL", "REML", "PM")
mod_fit <- function(res) list(
  beta = vec(res$beta), se = vec(res$se), qm = res$QM, qm_df = vec(res$QMdf), qm_p = res$QMp,
  tau2 = res$tau2, q = res$QE, q_p = res$QEp, i2 = res$I2, h2 = res$H2
)
subgroup_cases <- list()
metareg_cases <- list()
for (m in mod_methods) for (t in tests) {
  res <- suppressWarnings(rma(es_hetero$yi, es_hetero$vi, mods = ~ factor(group_hetero), method = m, test = t, control = CTRL))
  subgroup_cases[[paste(m, t, sep = "/")]] <- c(list(method = m, test = t), mod_fit(res))
  res <- suppressWarnings(rma(gen_datasets$gen$yi, gen_datasets$gen$vi, mods = ~ year_gen, method = m, test = t, control = CTRL))
  metareg_cases[[paste(m, t, sep = "/")]] <- c(list(method = m, test = t), mod_fit(res))
}
seq_fit <- function(x) list(
  estimate = vec(x$estimate), se = vec(x$se), pval = vec(x$pval), ci_lb = vec(x$ci.lb), ci_ub = vec(x$ci.ub),
  q = vec(x$Q), q_p = vec(x$Qp), tau2 = vec(x$tau2), i2 = vec(x$I2), h2 = vec(x$H2)
)
l1o_cases <- list()
cumul_cases <- list()
for (m in c("DL", "REML")) for (t in tests) {
  res <- rma(es_hetero$yi, es_hetero$vi, method = m, test = t, control = CTRL)
  l1o_cases[[paste(m, t, sep = "/")]] <- c(list(method = m, test = t), seq_fit(leave1out(res)))
  res <- rma(gen_datasets$gen$yi, gen_datasets$gen$vi, method = m, test = t, control = CTRL)
  cm <- suppressWarnings(cumul(res, order = -year_gen))  # newest first, to exercise the ordering
  cm_list <- seq_fit(list(estimate = cm$estimate, se = cm$se, pval = cm$pvals, ci.lb = cm$ci.lb, ci.ub = cm$ci.ub,
                          Q = cm$Q, Qp = cm$Qp, tau2 = cm$tau2, I2 = cm$I2, H2 = cm$H2))
  cumul_cases[[paste(m, t, sep = "/")]] <- c(list(method = m, test = t), cm_list)
}
moderators <- list(group_hetero = group_hetero, year_gen = vec(year_gen), mod_methods = as.list(mod_methods))

datasets_json <- list()
for (d in names(count_datasets)) datasets_json[[d]] <- list(xi = vec(count_datasets[[d]]$xi), ni = vec(count_datasets[[d]]$ni))
for (d in names(gen_datasets)) datasets_json[[d]] <- lapply(gen_datasets[[d]], vec)


result <- list(
  source = list(
    r_version = R.version.string,
    metafor_version = as.character(packageVersion("metafor")),
    script = "tests/reference/make_metafor_reference.R",
    calls = c(
      "escalc(measure = MEASURE, xi = xi, ni = ni)  # defaults: add = 1/2, to = 'only0', vtype = 'LS'",
      "rma(yi, vi, method = METHOD, test = TEST, control = list(threshold = 1e-10, tol = 1e-12, maxiter = 1000))",
      "predict(res)",
      "confint(res, control = list(tol = 1e-12, maxiter = 1000))",
      "weights(res)",
      "rma(yi, vi, mods = ~ factor(group_hetero) | ~ year_gen, method = METHOD, test = TEST, control = CTRL)",
      "leave1out(rma(yi, vi, method = METHOD, test = TEST, control = CTRL))",
      "cumul(rma(yi, vi, method = METHOD, test = TEST, control = CTRL), order = -year_gen)",
      "rma.glmm(measure = 'PLO', xi = xi, ni = ni, test = TEST, control = list(glmerCtrl = list(optimizer = 'bobyqa', tolPwrss = 1e-12 (1e-10 if that fails), optCtrl = list(rhoend = 1e-12, maxfun = 1e5))))"
    ),
    lme4_version = as.character(packageVersion("lme4"))
  ),
  methods = as.list(methods), tests = as.list(tests), count_measures = as.list(count_measures),
  datasets = datasets_json,
  escalc = escalc_out,
  backtransforms = backtransforms,
  glmm = glmm_cases,
  moderators = moderators,
  subgroups = subgroup_cases,
  metareg = metareg_cases,
  leave1out = l1o_cases,
  cumul = cumul_cases,
  cases = cases
)
writeLines(to_json(result), out_path)
cat("wrote", length(cases), "cases to", out_path, "\n")
