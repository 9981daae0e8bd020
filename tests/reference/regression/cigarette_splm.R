# Reference values for spatialq.panel on Elhorst's cigarette panel (46 states x 30 years, ln C ~ ln P + ln Y):
# splm's fixed-effects ML (spml, model = "within", method = "eigen"), whose standard errors come from the
# expected information matrix (Lee & Yu 2010, eq. 39 for SARAR), for tests/test_panel.py.
# * W: row-standardised binary contiguity (cigarette_w.csv).  Unit effects only: splm's convention (W applied
#   to the demeaned y) and spatialq's (demeaned Wy) coincide, so estimates and SEs are comparable directly.
# * W_ring: a ring (i -> i-1, i+1, weights 1/2), doubly stochastic, so with two-way effects the conventions
#   coincide too and the two-way information matrices can be compared.
# splm names the lag coefficient "lambda" and the error coefficient "rho" (spatialq: rho and lambda).
# Data: ../shared/reference-data/cigarette.csv, cigarette_w.csv (not copied into the repository).
# Usage: Rscript cigarette_splm.R REFERENCE_DATA_DIR OUTPUT_DIR
suppressPackageStartupMessages({library(splm); library(spdep); library(plm); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
cig <- read.csv(file.path(args[1], "cigarette.csv"))
wm <- as.matrix(read.csv(file.path(args[1], "cigarette_w.csv"), row.names = 1))
lw <- mat2listw(wm, style = "W")
n <- nrow(wm)
ring <- matrix(0, n, n)
for (i in 1:n) { ring[i, ifelse(i == 1, n, i - 1)] <- 0.5; ring[i, ifelse(i == n, 1, i + 1)] <- 0.5 }
lw_ring <- mat2listw(ring, style = "W")
cig <- cig[order(cig$state, cig$year), ]
pd <- pdata.frame(cig[, c("state", "year", "logc", "logp", "logy")], index = c("state", "year"))
f <- logc ~ logp + logy
fit <- function(listw, effect, lag, err) {
  m <- spml(f, data = pd, listw = listw, model = "within", effect = effect, lag = lag, spatial.error = err,
            method = "eigen", quiet = TRUE)
  ct <- summary(m)$CoefTable
  list(coef = as.list(ct[, 1]), se = as.list(ct[, 2]), logLik = m$logLik)
}
specs <- list(sar = c(TRUE, "none"), sem = c(FALSE, "b"), sac = c(TRUE, "b"))
res <- list(versions = list(R = R.version.string, splm = as.character(packageVersion("splm")),
                            spdep = as.character(packageVersion("spdep")), plm = as.character(packageVersion("plm"))))
for (nm in names(specs)) {
  s <- specs[[nm]]
  res[[paste0(nm, "_individual")]] <- fit(lw, "individual", as.logical(s[1]), s[2])
  res[[paste0(nm, "_twoways")]] <- fit(lw, "twoways", as.logical(s[1]), s[2])
  res[[paste0(nm, "_twoways_ring")]] <- fit(lw_ring, "twoways", as.logical(s[1]), s[2])
}
res$sessionInfo <- paste(capture.output(sessionInfo()), collapse = "\n")
rapply_ <- function(x) if (is.list(x)) lapply(x, rapply_) else as.vector(unclass(x))
writeLines(toJSON(rapply_(res), auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(args[2], "cigarette_splm.json"))
