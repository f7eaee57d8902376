# Reference values for the factor and comparator analyses (issue 11): metafor 3.8 on fixed,
# fictional datasets that tests/review/test_factor_kinds.py builds as extractions, and on the
# yi/vi the frozen fixture project (tests/data/frozen/) derives for its factor analyses (written here).
#
#   Rscript tests/reference/make_factor_reference.R [out.json]
#
# * levels: two levels' survival at 2 years per report (not in CR vs CR): from counts the
#   within-report log odds ratio is escalc(measure = "OR", ai, n1i, ci, n2i); from a percentage
#   with an SE it is the logit difference with delta-method variances summed. Pooled with
#   rma(REML, test = "adhoc"); per-level pooled logits (own tau^2 each) and the test for
#   subgroup differences rma(yi, vi, mods = ~ level) on all level rows.
# * ratios: HR of not in CR vs CR from a 95% CI (SE = (ln U - ln L) / (2 z)), one reported the
#   other way round (CR vs not in CR: yi = -ln HR), one from a p-value (SE = |ln HR| / z(1-p/2)).
# * arms: second HCT vs DLI at 2 years from percentages and arm sizes (binomial variances:
#   escalc(measure = "OR") of x = p n, which is what a proportion with only n gives).
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
out <- if (length(args)) args[1] else file.path(here, "factor_reference.json")
source(file.path(here, "json_writer.R"))
suppressMessages(library(metafor))
CTRL <- list(threshold = 1e-10, tol = 1e-12, maxiter = 1000, stepadj = 0.5)

fit_list <- function(res) {
  list(estimate = c(res$beta)[1], se = res$se[1], ci_lb = res$ci.lb[1], ci_ub = res$ci.ub[1], tau2 = res$tau2,
       pval = res$pval[1], k = res$k)
}

# ---- levels: 5 reports with counts, 3 with a percentage and an SE --------------------------
lc <- list(a = c(8, 5, 12, 3, 22), n1 = c(30, 22, 40, 15, 25), c = c(25, 18, 30, 14, 20), n2 = c(50, 35, 60, 28, 32))
ls <- list(p1 = c(20, 15, 25), se1 = c(6, 7, 8), p2 = c(45, 38, 50), se2 = c(5, 6, 7))
es_c <- escalc(measure = "OR", ai = lc$a, n1i = lc$n1, ci = lc$c, n2i = lc$n2)
logit_se <- function(p, se) (se / (p * (1 - p)))^2
p1 <- ls$p1 / 100; p2 <- ls$p2 / 100
yi_s <- qlogis(p1) - qlogis(p2)
vi_s <- logit_se(p1, ls$se1 / 100) + logit_se(p2, ls$se2 / 100)
lev_yi <- c(as.numeric(es_c$yi), yi_s)
lev_vi <- c(as.numeric(es_c$vi), vi_s)
lev_fit <- rma(lev_yi, lev_vi, method = "REML", test = "adhoc", control = CTRL)
# per-level rows on the logit scale: not_cr then cr of each report
plo <- function(x, n) escalc(measure = "PLO", xi = x, ni = n)
r1 <- plo(lc$a, lc$n1); r2 <- plo(lc$c, lc$n2)
row_yi <- c(as.numeric(r1$yi), qlogis(p1), as.numeric(r2$yi), qlogis(p2))
row_vi <- c(as.numeric(r1$vi), logit_se(p1, ls$se1 / 100), as.numeric(r2$vi), logit_se(p2, ls$se2 / 100))
row_level <- rep(c("not_cr", "cr"), each = 8)
per_level <- lapply(c(cr = "cr", not_cr = "not_cr"), function(l)
  fit_list(rma(row_yi[row_level == l], row_vi[row_level == l], method = "REML", test = "adhoc", control = CTRL)))
mods <- rma(row_yi, row_vi, mods = ~ factor(row_level), method = "REML", test = "adhoc", control = CTRL)

# ---- ratios: 5 HRs of not in CR vs CR ------------------------------------------------------
z <- qnorm(0.975)
hr <- list(est = c(2.1, 0.45, 1.8, 0.9), lower = c(1.3, 0.28, 1.1, 0.6), upper = c(3.4, 0.72, 2.9, 1.35),
           inverted = c(FALSE, TRUE, FALSE, FALSE), p_est = 2.5, p = 0.004)
hr_yi <- c(ifelse(hr$inverted, -1, 1) * log(hr$est), log(hr$p_est))
hr_vi <- c(((log(hr$upper) - log(hr$lower)) / (2 * z))^2, (abs(log(hr$p_est)) / qnorm(1 - hr$p / 2))^2)
hr_fit <- rma(hr_yi, hr_vi, method = "REML", test = "adhoc", control = CTRL)

# ---- arms: second HCT vs DLI, 5 reports, percent with arm n -------------------------------
arms <- list(p1 = c(40, 35, 28, 45, 30), n1 = c(50, 40, 25, 60, 33), p2 = c(20, 25, 15, 30, 36), n2 = c(45, 30, 20, 55, 40))
ar <- escalc(measure = "OR", ai = arms$p1 / 100 * arms$n1, n1i = arms$n1, ci = arms$p2 / 100 * arms$n2, n2i = arms$n2)
arm_fit <- rma(ar$yi, ar$vi, method = "REML", test = "adhoc", control = CTRL)

# ---- corpus: the yi/vi of the corpus analyses (given to the script by the test) ------------
corpus <- list(shimomura2019 = list(estimate = 2.78, lower = 1.08, upper = 7.21,
                                    yi = log(2.78), vi = ((log(7.21) - log(1.08)) / (2 * z))^2))

doc <- list(
  source = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                call = "escalc(measure='OR'|'PLO'); rma(yi, vi, method='REML', test='adhoc'); rma(yi, vi, mods=~factor(level))"),
  levels = list(counts = list(a = vec(lc$a), n1 = vec(lc$n1), c = vec(lc$c), n2 = vec(lc$n2)),
                se = list(p1 = vec(ls$p1), se1 = vec(ls$se1), p2 = vec(ls$p2), se2 = vec(ls$se2)),
                yi = vec(lev_yi), vi = vec(lev_vi), fit = fit_list(lev_fit),
                per_level = per_level,
                test = list(qm = mods$QM, df = mods$QMdf[1], df2 = mods$QMdf[2], p = mods$QMp)),
  ratios = list(est = vec(hr$est), lower = vec(hr$lower), upper = vec(hr$upper), inverted = vec(as.numeric(hr$inverted)),
                p_est = hr$p_est, p = hr$p, yi = vec(hr_yi), vi = vec(hr_vi), fit = fit_list(hr_fit)),
  arms = list(p1 = vec(arms$p1), n1 = vec(arms$n1), p2 = vec(arms$p2), n2 = vec(arms$n2),
              yi = vec(ar$yi), vi = vec(ar$vi), fit = fit_list(arm_fit)),
  corpus = corpus
)
writeLines(to_json(doc), out, useBytes = TRUE)
