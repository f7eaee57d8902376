# Reference values for the comparisons of the second HCT with an alternative (issue 24): metafor
# on the two fictional reports tests/review/test_versus.py builds as extractions.
#
#   Rscript tests/reference/make_versus_reference.R [out.json]
#
# * rest: a report like uden2020 (333 relapsed, 122 with a second HCT, 4-year OS 31% vs 3%) whose
#   no-second-HCT arm prints no size: the arm has the rest of the relapsed patients, 333 - 122 = 211;
#   the within-report log odds ratio is escalc(measure = "OR") of x = p n (binomial variances).
# * a second report like anon2012 (42.9% of 16 vs 11.8% of 50), both sizes printed.
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
out <- if (length(args)) args[1] else file.path(here, "versus_reference.json")
source(file.path(here, "json_writer.R"))
suppressMessages(library(metafor))

p1 <- c(31, 42.9); n1 <- c(122, 16); p2 <- c(3, 11.8); n2 <- c(333 - 122, 50)
es <- escalc(measure = "OR", ai = p1 / 100 * n1, n1i = n1, ci = p2 / 100 * n2, n2i = n2)

doc <- list(
  source = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                call = "escalc(measure='OR', ai=p1*n1, n1i=n1, ci=p2*n2, n2i=n2)"),
  p1 = vec(p1), n1 = vec(n1), p2 = vec(p2), n2 = vec(n2), yi = vec(es$yi), vi = vec(es$vi)
)
writeLines(to_json(doc), out, useBytes = TRUE)
