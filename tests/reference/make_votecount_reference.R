# Reference values for vote counting and level contrasts of prognostic factors (issue 24):
#
#   Rscript tests/reference/make_votecount_reference.R [out.json]
#
# * sign test: binom.test(x, n, p = 0.5)$p.value (two-sided exact) over a grid of (x, n);
# * Wilson interval: prop.test(x, n, correct = FALSE)$conf.int (95%, and 90%);
# * level contrasts: two levels' survival at one time per report, y = log(-log S_a) - log(-log S_b)
#   with Var(log(-log S)) = Var(S) / (S log S)^2, Var(S) = SE^2 (printed) or S (1 - S) / n
#   (binomial), computed here independently of secondhct; pooled with
#   rma(yi, vi, method = "REML" | "DL", test = "adhoc" | "z").
# Conventions as in json_writer.R (%.17g, no timestamp).
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
out <- if (length(args)) args[1] else file.path(here, "votecount_reference.json")
source(file.path(here, "json_writer.R"))
suppressMessages(library(metafor))
CTRL <- list(threshold = 1e-10, tol = 1e-12, maxiter = 1000)

grid <- list(c(15, 15), c(9, 12), c(0, 5), c(3, 7), c(1, 1), c(10, 20), c(12, 20), c(50, 60), c(2, 3), c(7, 9), c(0, 1), c(30, 31))
votes <- lapply(grid, function(g) {
  w <- suppressWarnings(prop.test(g[1], g[2], correct = FALSE))$conf.int
  w90 <- suppressWarnings(prop.test(g[1], g[2], correct = FALSE, conf.level = 0.90))$conf.int
  list(x = g[1], n = g[2], sign_p = binom.test(g[1], g[2], p = 0.5)$p.value,
       wilson = vec(c(w[1], w[2])), wilson90 = vec(c(w90[1], w90[2])))
})

# fictional reports: level a (worse) and level b survival (percent), SE (percent) or n per level
lv <- list(sa = c(23, 11, 19, 30, 8), sea = c(NA, NA, 5, NA, 3), na = c(24, 40, NA, 55, NA),
           sb = c(34, 34, 33, 38, 55), seb = c(NA, NA, 4, NA, 7), nb = c(30, 60, NA, 45, NA))
lch <- function(s, se, n) {
  s <- s / 100
  var_s <- ifelse(is.na(se), s * (1 - s) / n, (se / 100)^2)
  list(y = log(-log(s)), v = var_s / (s * log(s))^2)
}
a <- lch(lv$sa, lv$sea, lv$na); b <- lch(lv$sb, lv$seb, lv$nb)
yi <- a$y - b$y; vi <- a$v + b$v
fit_list <- function(res) list(estimate = c(res$beta)[1], se = res$se[1], ci_lb = res$ci.lb[1], ci_ub = res$ci.ub[1],
                               tau2 = res$tau2, pval = res$pval[1], k = res$k)
fits <- list(REML_adhoc = fit_list(rma(yi, vi, method = "REML", test = "adhoc", control = CTRL)),
             REML_z = fit_list(rma(yi, vi, method = "REML", test = "z", control = CTRL)),
             DL_z = fit_list(rma(yi, vi, method = "DL", test = "z")))

doc <- list(
  source = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                call = "binom.test(x, n, p = 0.5); prop.test(x, n, correct = FALSE); rma(yi, vi, method, test)"),
  votes = votes,
  levels = list(sa = vec(lv$sa), sea = vec(lv$sea), na = vec(lv$na), sb = vec(lv$sb), seb = vec(lv$seb), nb = vec(lv$nb),
                yi = vec(yi), vi = vec(vi), fits = fits)
)
writeLines(to_json(doc), out, useBytes = TRUE)
