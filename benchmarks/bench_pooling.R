# Time metafor rma(method = "REML") on the datasets written by bench_pooling.py.
# Usage: Rscript benchmarks/bench_pooling.R DATASETS.csv RESULTS.csv
# Input columns: dataset, yi, vi.  Output: one row per dataset (estimate, tau2) and the
# elapsed seconds for all fits on stdout (only the fitting loop is timed).
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
dat <- read.csv(args[1])
groups <- split(dat, dat$dataset)
ctrl <- list(threshold = 1e-10, tol = 1e-12, maxiter = 1000)
fits <- vector("list", length(groups))
invisible(rma(groups[[1]]$yi, groups[[1]]$vi, method = "REML", control = ctrl))  # warm-up
t0 <- proc.time()[["elapsed"]]
# metafor stops when Fisher scoring does not converge; retry with step length 0.5 as its
# help page suggests (secondhct does the same automatically).
fit1 <- function(g) tryCatch(rma(g$yi, g$vi, method = "REML", control = ctrl),
                             error = function(e) rma(g$yi, g$vi, method = "REML", control = c(ctrl, stepadj = 0.5)))
for (i in seq_along(groups)) fits[[i]] <- fit1(groups[[i]])
elapsed <- proc.time()[["elapsed"]] - t0
out <- data.frame(dataset = as.integer(names(groups)),
                  estimate = sapply(fits, function(f) c(f$beta)), tau2 = sapply(fits, function(f) f$tau2))
write.csv(out[order(out$dataset), ], args[2], row.names = FALSE)
cat(sprintf("%.6f\n", elapsed))
