# Reference values for the probit-transformed proportion (PRZ), which metafor has only from
# version 4.4 on (Debian bookworm ships 3.8-1). The newer metafor's R sources are loaded
# from the folder given in METAFOR_SRC (a checkout of wviechtb/metafor, e.g. 5.1-12) into an
# environment on top of the installed metafor, so that escalc(measure = "PRZ") and
# transf.iprobit run as that version defines them; nothing of metafor is copied here.
#
#   METAFOR_SRC=/path/to/metafor Rscript tests/reference/make_prz_reference.R [out.json]
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))), "prz_reference.json")
src <- Sys.getenv("METAFOR_SRC")
stopifnot(nzchar(src))
suppressMessages(library(metafor))
env <- new.env(parent = asNamespace("metafor"))
for (f in list.files(file.path(src, "R"), full.names = TRUE)) try(sys.source(f, envir = env), silent = TRUE)
version <- read.dcf(file.path(src, "DESCRIPTION"), fields = "Version")[1, 1]

num <- function(x) paste0("[", paste(ifelse(is.na(x), "null", sprintf("%.17g", x)), collapse = ", "), "]")
xi <- c(0, 3, 7, 12, 20, 30)
ni <- c(10, 20, 13, 40, 20, 60)
es <- env$escalc(measure = "PRZ", xi = xi, ni = ni)   # defaults: add = 1/2 to = "only0"
y <- c(-2.5, -1, -0.1, 0, 0.4, 1.7)
fit <- rma(es$yi, es$vi, method = "REML", test = "z", control = list(threshold = 1e-10, tol = 1e-12, maxiter = 1000))
lines <- c(
  "{",
  sprintf('  "source": {"R": "%s", "metafor_src": "%s", "call": "escalc(measure=\\"PRZ\\", xi, ni); transf.iprobit(y); rma(yi, vi, method=\\"REML\\", test=\\"z\\")"},', R.version.string, version),
  sprintf('  "xi": %s,', num(xi)), sprintf('  "ni": %s,', num(ni)),
  sprintf('  "yi": %s,', num(as.numeric(es$yi))), sprintf('  "vi": %s,', num(as.numeric(es$vi))),
  sprintf('  "y": %s,', num(y)), sprintf('  "iprobit": %s,', num(env$transf.iprobit(y))),
  sprintf('  "rma_reml": {"estimate": %s, "ci_lb": %s, "ci_ub": %s, "tau2": %s, "bt": %s}',
          sprintf("%.17g", fit$b[1]), sprintf("%.17g", fit$ci.lb), sprintf("%.17g", fit$ci.ub), sprintf("%.17g", fit$tau2),
          num(env$transf.iprobit(c(fit$b[1], fit$ci.lb, fit$ci.ub)))),
  "}")
writeLines(lines, out)
