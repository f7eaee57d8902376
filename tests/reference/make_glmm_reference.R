# Reference values from R's metafor/lme4 for tests/stats/test_glmm_large_vs_metafor.py:
# rma.glmm(measure = "PLO") on a k = 10 and a k = 50 dataset (two of the 50 studies with
# 0 events or 0 non-events), test = "z" and "t".
#
# Usage (from anywhere):  Rscript tests/reference/make_glmm_reference.R [OUTPUT.json]
# Default output: glmm_reference.json beside this script.  Numbers are written with
# sprintf("%.17g") (full double precision); missing values as null.  No timestamp, so
# regenerating with the same R/metafor/lme4 gives an identical file.
#
# Options that differ from the defaults (see README.md in this folder): glmer's
# defaults (tolPwrss = 1e-7, bobyqa then Nelder-Mead with default stopping rules) stop
# ~1e-6 from the ML optimum, so the fits use
#   control = list(glmerCtrl = list(optimizer = "bobyqa", tolPwrss = 1e-12,
#                                   optCtrl = list(rhoend = 1e-12, maxfun = 1e5)))
# (tolPwrss = 1e-10 where glmer fails at 1e-12; recorded per case).

suppressPackageStartupMessages({
  library(metafor)
  library(lme4)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) >= 1) {
  out_path <- args[1]
} else {
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  here <- if (length(file_arg)) dirname(normalizePath(sub("^--file=", "", file_arg[1]))) else "."
  out_path <- file.path(here, "glmm_reference.json")
}

# ---- the shared JSON writer (json_writer.R, beside this script) ----------------------
script_dir <- local({
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(file_arg)) dirname(normalizePath(sub("^--file=", "", file_arg[1]))) else "."
})
source(file.path(script_dir, "json_writer.R"))

# ---- datasets (fixed numbers) --------------------------------------------------------
# k10: moderate heterogeneity, no zero cells.  k50: 50 studies, proportions around 0.2,
# study 29 with 14/14 (0 non-events) and study 47 with 0/28 (0 events).
datasets <- list(
  k10 = list(xi = c(29, 4, 26, 52, 28, 24, 9, 27, 42, 6),
             ni = c(108, 41, 99, 103, 68, 86, 58, 75, 102, 40)),
  k50 = list(xi = c(2, 13, 120, 151, 54, 28, 36, 15, 36, 15, 15, 97, 33, 36, 84, 56, 100, 133, 11, 38,
                    53, 191, 49, 27, 87, 54, 78, 49, 14, 16, 18, 23, 33, 9, 45, 5, 52, 42, 6, 52,
                    30, 8, 69, 20, 26, 56, 0, 32, 8, 36),
             ni = c(74, 229, 389, 336, 324, 161, 264, 119, 320, 130, 79, 249, 198, 109, 193, 205, 272, 335, 169, 126,
                    87, 366, 318, 201, 332, 398, 349, 329, 14, 249, 138, 312, 222, 145, 322, 163, 328, 232, 45, 306,
                    345, 103, 313, 249, 140, 194, 28, 307, 28, 229))
)
stopifnot(length(datasets$k10$xi) == 10, length(datasets$k50$xi) == 50,
          sum(datasets$k50$xi == 0 | datasets$k50$xi == datasets$k50$ni) == 2)

# ---- rma.glmm fits -------------------------------------------------------------------
glmm_ctrl <- function(tol) list(glmerCtrl = list(optimizer = "bobyqa", tolPwrss = tol,
                                                 optCtrl = list(rhoend = 1e-12, maxfun = 1e5)))
fit <- function(ds, t) {
  for (tol in c(1e-12, 1e-10)) {
    res <- tryCatch(suppressWarnings(rma.glmm(measure = "PLO", xi = ds$xi, ni = ds$ni, test = t,
                                              control = glmm_ctrl(tol))), error = function(e) NULL)
    if (!is.null(res)) return(list(res = res, tol = tol))
  }
  stop("rma.glmm failed")
}
cases <- list()
for (d in names(datasets)) for (t in c("z", "t")) {
  f <- fit(datasets[[d]], t)
  res <- f$res
  pr <- predict(res)
  cases[[paste(d, t, sep = "/")]] <- list(
    dataset = d, test = t, tolPwrss = f$tol, k = res$k, estimate = c(res$beta), se = res$se,
    stat = res$zval, pval = res$pval, ci_lb = res$ci.lb, ci_ub = res$ci.ub, pi_lb = pr$pi.lb, pi_ub = pr$pi.ub,
    tau2 = res$tau2, i2 = res$I2, h2 = res$H2, q = res$QE.LRT, q_p = res$QEp.LRT
  )
}

datasets_json <- lapply(datasets, function(ds) list(xi = vec(ds$xi), ni = vec(ds$ni)))
result <- list(
  source = list(
    r_version = R.version.string,
    metafor_version = as.character(packageVersion("metafor")),
    lme4_version = as.character(packageVersion("lme4")),
    script = "tests/reference/make_glmm_reference.R",
    calls = c(
      paste0("rma.glmm(measure = 'PLO', xi = xi, ni = ni, test = TEST, control = list(glmerCtrl = ",
             "list(optimizer = 'bobyqa', tolPwrss = TOL, optCtrl = list(rhoend = 1e-12, maxfun = 1e5))))",
             "  # TOL = 1e-12, or 1e-10 if glmer fails at 1e-12 (case field tolPwrss)"),
      "predict(res)  # pi_lb, pi_ub"
    )
  ),
  datasets = datasets_json,
  glmm = cases
)
writeLines(to_json(result), out_path)
cat("wrote", length(cases), "GLMM cases to", out_path, "\n")
