# Reference values for GRADE's inconsistency statistics (secondhct.review.grade.cochran_q): Cochran's
# Q, its p and Higgins' I² from metafor's common-effect model rma(yi, vi, method = "EE") (QE, QEp, I2),
# on the logit survival proportions of os-adults-5y (nagler2019 14%, shimomura2019 25.3%) and a
# three-report fictional set.
#
#   Rscript tests/reference/make_grade_reference.R [out.json]
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
out <- if (length(args)) args[1] else file.path(here, "grade_reference.json")
source(file.path(here, "json_writer.R"))
suppressMessages(library(metafor))

one <- function(yi, vi) {
  res <- rma(yi, vi, method = "EE")
  list(yi = structure(yi, class = "jarr"), vi = structure(vi, class = "jarr"), q = res$QE, df = res$k - 1,
       p = res$QEp, i2 = res$I2)
}
sets <- list(
  adults5y = one(c(-1.8152899666382492, -1.0829690395918745), c(0.03390060343074106, 0.05344704298622739)),
  three = one(c(-0.9, -0.4, -1.2), c(0.04, 0.09, 0.06))
)
writeLines(to_json(sets), out)
