# Reference values for the batch analyses (issue 13): metafor 3.8's permutest() and gosh() on
# fixed, fictional datasets that tests/stats/test_batch_vs_metafor.py passes to
# secondhct.stats.permutation and secondhct.stats.batch.
#
#   Rscript tests/reference/make_batch_reference.R [out.json]
#
# * permutest: rma(yi, vi, mods = ..., method = DL or HE, test = z, knha or adhoc) for a
#   subgroup moderator (two levels, k = 8: 70 distinct permutations; three levels, k = 7:
#   210) and a continuous moderator (k = 6: 720; k = 9: 362880). Exact enumeration
#   (exact = TRUE) writes the p-value and the sorted permutation distribution of QM (the
#   order of the enumeration is metafor's own); the seeded sample (k = 9 continuous,
#   iter = 200, seed = 20261202) also writes the permutations, as the row orders of the
#   original X that metafor drew (it permutes the rows of X sorted by its columns, with
#   sample(k) after set.seed(seed); the script redraws them and checks each refit against
#   permutest's QM), so that the test can fit the same ones.
# * gosh: all 2^k - 1 subsets (k = 7 with DL, HE, REML; k = 10 with DL), each
#   subset written as a bitmask (study i counts 2^(i-1)) with its estimate, tau^2, QE, I^2, H^2.
#   REML with control = list(threshold = 1e-10, maxiter = 1000): fully converged, as the
#   other reference scripts.
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
out <- if (length(args)) args[1] else file.path(here, "batch_reference.json")
source(file.path(here, "json_writer.R"))
suppressMessages(library(metafor))
CTRL <- list(threshold = 1e-10, tol = 1e-12, maxiter = 1000)
SEED <- 20261202L

yi9 <- c(-0.42, 0.15, 0.61, -0.08, 0.93, 0.27, -0.55, 0.38, 1.12)
vi9 <- c(0.051, 0.112, 0.034, 0.082, 0.147, 0.063, 0.095, 0.041, 0.128)
group8 <- c("a", "a", "b", "a", "b", "b", "a", "b")
group7 <- c("x", "y", "x", "z", "y", "z", "x")
dose6 <- c(1.5, 3.2, 0.7, 4.8, 2.1, 3.9)
dose9 <- c(48, 20, 12, 61, 35, 8, 70, 44, 27)

perm_case <- function(name, yi, vi, mods, method, test, exact, iter = 1000) {
  res <- rma(yi, vi, mods = mods, method = method, test = test, control = CTRL)
  X <- res$X
  pt <- if (exact) permutest(res, exact = TRUE, progbar = FALSE, retpermdist = TRUE)
        else permutest(res, iter = iter, progbar = FALSE, retpermdist = TRUE, seed = SEED)
  qm <- as.numeric(pt$QM.perm)
  case <- list(name = name, method = method, test = test, yi = vec(yi), vi = vec(vi),
               X = lapply(seq_len(ncol(X)), function(j) vec(X[, j])), qm = res$QM, pval = pt$QMp,
               permutations = length(qm), exact = exact)
  if (exact) {
    case$qm_sorted <- vec(sort(qm))
  } else {
    # metafor: X sorted by its columns, then X.sorted[sample(k), ] for each iteration after set.seed(seed)
    o <- do.call(order, as.data.frame(X))
    set.seed(SEED)
    orders <- lapply(seq_len(iter), function(i) o[sample(res$k)])
    orders[[1]] <- seq_len(res$k)  # permutest replaces the first draw by the observed data
    for (i in seq_len(iter)) {
      refit <- rma(yi, vi, mods = X[orders[[i]], , drop = FALSE], intercept = FALSE, method = method, test = test,
                   control = CTRL)
      if (abs(refit$QM - qm[i]) > 1e-10 * max(1, qm[i])) stop("redrawn permutation ", i, " does not reproduce permutest")
    }
    case$seed <- SEED
    case$orders <- lapply(orders, function(x) vec(x - 1))  # 0-based row orders of X: design j is X[orders[j], ]
    case$qm_perm <- vec(qm)
  }
  case
}

perm <- list()
for (method in c("DL", "HE")) for (test in c("z", "knha", "adhoc")) {
  perm[[length(perm) + 1]] <- perm_case("two_levels_k8", yi9[1:8], vi9[1:8], ~ factor(group8), method, test, TRUE)
  perm[[length(perm) + 1]] <- perm_case("three_levels_k7", yi9[1:7], vi9[1:7], ~ factor(group7), method, test, TRUE)
  perm[[length(perm) + 1]] <- perm_case("continuous_k6", yi9[1:6], vi9[1:6], ~ dose6, method, test, TRUE)
  perm[[length(perm) + 1]] <- perm_case("continuous_k9_sampled", yi9, vi9, ~ dose9, method, test, FALSE, iter = 200)
}

gosh_case <- function(k, method) {
  res <- rma(yi9[seq_len(k)], vi9[seq_len(k)], method = method, control = CTRL)
  g <- gosh(res, progbar = FALSE)
  mask <- as.numeric(g$incl %*% 2^(seq_len(k) - 1))
  list(k = k, method = method, yi = vec(yi9[seq_len(k)]), vi = vec(vi9[seq_len(k)]), subsets = nrow(g$incl),
       mask = vec(mask), estimate = vec(g$res$estimate), tau2 = vec(g$res$tau2), QE = vec(g$res$QE),
       I2 = vec(g$res$I2), H2 = vec(g$res$H2))
}
yi9 <- c(yi9, -0.21)  # a tenth study for the k = 10 GOSH
vi9 <- c(vi9, 0.072)
goshes <- list(gosh_case(7, "DL"), gosh_case(7, "HE"), gosh_case(7, "REML"), gosh_case(10, "DL"))

doc <- list(
  source = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                call = paste("permutest(rma(yi, vi, mods, method, test), exact = TRUE | iter = 200, seed = 20261202,",
                             "retpermdist = TRUE); gosh(rma(yi, vi, method))")),
  permutest = perm,
  gosh = goshes
)
writeLines(to_json(doc), out, useBytes = TRUE)
