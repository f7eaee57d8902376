# The JSON writer the reference scripts share: full double precision (sprintf("%.17g")), NA as
# null, no timestamp, so that regenerating a reference gives the same bytes.
# Sourced by make_metafor_reference.R, make_glmm_reference.R, make_bayesmeta_reference.R,
# make_curve_reference.R and make_curve_bayesmeta_reference.R.
num <- function(x) {
  if (length(x) != 1) stop("num() takes one value")
  if (is.na(x)) return("null")
  if (is.infinite(x)) stop("infinite value")
  sprintf("%.17g", x)
}
to_json <- function(x, indent = "") {
  inner <- paste0(indent, "  ")
  if (is.null(x)) return("null")
  if (inherits(x, "jarr")) return(paste0("[", paste(vapply(unclass(x), num, ""), collapse = ", "), "]"))
  if (is.list(x)) {
    if (length(x) == 0) return(if (is.null(names(x))) "[]" else "{}")
    if (is.null(names(x))) {
      items <- vapply(x, to_json, "", indent = inner)
      return(paste0("[\n", inner, paste(items, collapse = paste0(",\n", inner)), "\n", indent, "]"))
    }
    items <- mapply(function(n, v) paste0("\"", n, "\": ", to_json(v, inner)), names(x), x)
    return(paste0("{\n", inner, paste(items, collapse = paste0(",\n", inner)), "\n", indent, "}"))
  }
  if (is.character(x)) {
    s <- paste0("\"", gsub("\"", "\\\\\"", x), "\"")
    return(if (length(x) == 1) s else paste0("[", paste(s, collapse = ", "), "]"))
  }
  if (is.logical(x) && length(x) == 1) return(if (is.na(x)) "null" else tolower(as.character(x)))
  if (is.numeric(x)) {
    s <- vapply(as.numeric(x), num, "")
    return(if (length(x) == 1) s else paste0("[", paste(s, collapse = ", "), "]"))
  }
  stop("cannot write ", class(x))
}
vec <- function(x) structure(as.numeric(x), class = "jarr")  # always a JSON array, even of length 1
