# Reference values for the era meta-regression (issue 23, item 4): metafor 3.8's
# rma(yi, vi, mods = ~ era) on the fictional reports of tests/data/era/reports.csv, which
# tests/stats/test_era_vs_metafor.py also reads (directly, and written as extractions run
# through the build's analysis).
#
#   Rscript tests/reference/make_era_reference.R [out.json]
#
# * era = (accrual midpoint - 2000) / 10: decades since 2000, the midpoint counting whole
#   years and months (start of the first, end of the last: 1990-2010 -> 2000.5; 2017-10 ->
#   2017.75 as a start, 2022-03 -> 2022.25 as an end), as secondhct.extraction.accrual does.
#   A report with a bound not stated has no midpoint and is left out of the regression.
# * yi, vi: escalc(measure = "PLO", xi = events, ni = total).
# * rma(yi, vi, mods = ~ era, method = "REML", test = z | knha | adhoc): coefficients, SE,
#   CI, p of the slope; tau^2 (residual), the intercept-only tau^2, R2, QE and its p, I2, the
#   weights (percent).
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
out <- if (length(args)) args[1] else file.path(here, "era_reference.json")
source(file.path(here, "json_writer.R"))
suppressMessages(library(metafor))
CTRL <- list(threshold = 1e-10, tol = 1e-12, maxiter = 1000)

bound <- function(code, end) {
  if (is.na(code) || code == "") return(NA_real_)
  parts <- strsplit(code, "-", fixed = TRUE)[[1]]
  year <- as.numeric(parts[1])
  if (length(parts) == 1) return(year + if (end) 1 else 0)
  month <- as.numeric(parts[2])
  year + (if (end) month else month - 1) / 12
}
reports <- read.csv(file.path(here, "..", "data", "era", "reports.csv"), colClasses = "character")
reports$mid <- mapply(function(s, e) (bound(s, FALSE) + bound(e, TRUE)) / 2, reports$start, reports$end)

case <- function(d, test) {
  res <- rma(d$yi, d$vi, mods = ~ d$era, method = "REML", test = test, control = CTRL)
  null <- rma(d$yi, d$vi, method = "REML", test = test, control = CTRL)
  list(intercept = c(res$beta)[1], slope = c(res$beta)[2], se = res$se[2], stat = res$zval[2],
       pval = res$pval[2], ci_lb = res$ci.lb[2], ci_ub = res$ci.ub[2], tau2 = res$tau2, tau2_null = null$tau2,
       R2 = res$R2, QE = res$QE, QEp = res$QEp, I2 = res$I2, weights = vec(weights(res)))
}

datasets <- list()
for (name in unique(reports$dataset)) {
  d <- reports[reports$dataset == name & !is.na(reports$mid), ]
  es <- escalc(measure = "PLO", xi = as.numeric(d$events), ni = as.numeric(d$total))
  d$yi <- as.numeric(es$yi); d$vi <- as.numeric(es$vi); d$era <- (d$mid - 2000) / 10
  datasets[[name]] <- list(keys = d$key, mid = vec(d$mid), yi = vec(d$yi), vi = vec(d$vi),
                           fits = lapply(c(z = "z", knha = "knha", adhoc = "adhoc"), function(t) case(d, t)))
}
doc <- list(
  source = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                call = "escalc(measure='PLO'); rma(yi, vi, mods = ~ era, method='REML', test=z|knha|adhoc), era = (midpoint - 2000)/10"),
  datasets = datasets
)
writeLines(to_json(doc), out, useBytes = TRUE)
