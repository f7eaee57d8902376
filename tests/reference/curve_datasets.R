# Datasets of the summary-survival-curve references, shared by make_curve_reference.R (metafor)
# and make_curve_bayesmeta_reference.R (bayesmeta); sourced, not run on its own.
#
# One row per survival estimate: study (report), t (years), S (proportion), n (patients),
# se (SE of S; NA = not printed, so Var(log S) = (1 - S)/(n S), the binomial approximation).
# y = log(-log S); V block diagonal by report with V[j,k] = w_j / (log S_j log S_k) for
# t_j <= t_k, w = Var(log S) (Greenwood: Cov(log S_j, log S_k) = Var(log S_j) for t_j < t_k).

curve_rows <- function(study, t, S, n, se) data.frame(study = study, t = t, S = S, n = n, se = se, stringsAsFactors = FALSE)

curve_datasets <- list(
  # one report, three time points, every SE printed (tau^2 cannot be estimated: fixed at 0)
  one_report = curve_rows(rep("a", 3), c(1, 2, 3), c(0.72, 0.55, 0.46), rep(100, 3), c(0.045, 0.050, 0.052)),
  # two reports: one with SEs at 1, 2 and 4 years, one crude (no SEs) at 1 and 3 years
  two_reports = curve_rows(c("a", "a", "a", "b", "b"), c(1, 2, 4, 1, 3), c(0.80, 0.62, 0.45, 0.65, 0.35),
                           c(100, 100, 100, 40, 40), c(0.040, 0.050, 0.055, NA, NA)),
  # one time point per report: the rows are independent (rma.uni-like; bmr() applies)
  one_time_each = curve_rows(c("a", "b", "c", "d", "e", "f"), c(1, 2, 3, 5, 2, 1), c(0.55, 0.48, 0.30, 0.28, 0.36, 0.78),
                             c(145, 160, 135, 180, 125, 130), c(0.040, NA, 0.040, 0.033, NA, NA)),
  # heterogeneous, several times per report, SEs mixed with crude rows
  hetero_crude = curve_rows(c("a", "a", "a", "b", "b", "c", "d", "d", "e"), c(1, 2, 5, 1, 3, 2, 1, 2, 3),
                            c(0.60, 0.45, 0.30, 0.50, 0.30, 0.50, 0.75, 0.55, 0.20),
                            c(50, 50, 50, 30, 30, 80, 40, 40, 25), c(0.070, 0.072, 0.068, NA, NA, 0.056, NA, NA, NA)),
  # reports sharing the times 1, 2, 3: the categorical-time model (one mean per time)
  categorical = curve_rows(c("a", "a", "a", "b", "b", "c", "c", "d", "e", "e"), c(1, 2, 3, 1, 2, 1, 3, 2, 1, 3),
                           c(0.70, 0.52, 0.41, 0.58, 0.40, 0.80, 0.55, 0.47, 0.66, 0.37),
                           c(60, 60, 60, 35, 35, 90, 90, 28, 45, 45), c(0.059, 0.064, 0.064, NA, NA, 0.042, 0.053, NA, NA, NA)),
  # close to a common Weibull curve: tau^2 at the boundary 0
  homog = curve_rows(c("a", "a", "b", "b", "c", "d"), c(1, 3, 1, 2, 2, 4), c(0.66, 0.42, 0.64, 0.52, 0.50, 0.37),
                     c(80, 80, 120, 120, 70, 90), c(0.053, 0.056, NA, NA, NA, 0.051)),
  # every report at 2 years: the categorical model is intercept only (bayesmeta() applies)
  one_time = curve_rows(c("a", "b", "c", "d", "e"), rep(2, 5), c(0.45, 0.31, 0.52, 0.28, 0.40),
                        c(40, 65, 30, 90, 55), c(NA, 0.058, NA, 0.047, NA)),
  # invalid: report b's SE shrinks so fast that Var(log S) falls with time (must be refused)
  invalid = curve_rows(c("a", "a", "b", "b"), c(1, 2, 1, 3), c(0.70, 0.50, 0.60, 0.40), c(50, 50, 40, 40),
                       c(0.065, 0.071, 0.077, 0.030))
)
INVALID <- c("invalid")

# y and V (the computation secondhct.stats.curve_data.prepare_curve does, written independently)
curve_yv <- function(d) {
  w <- ifelse(is.na(d$se), (1 - d$S) / (d$n * d$S), (d$se / d$S)^2)
  ls <- log(d$S)
  idx <- seq_len(nrow(d))
  V <- outer(idx, idx, function(i, j) ifelse(d$study[i] == d$study[j], ifelse(d$t[i] <= d$t[j], w[i], w[j]) / (ls[i] * ls[j]), 0))
  list(yi = log(-ls), V = V, w = w)
}
