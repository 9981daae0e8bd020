# Reference standard errors on a real map of 3,107 units: spatialreg on spData's elect80 (US counties, 1980
# presidential election turnout; Pace & Barry 1997), for tests/test_regression.py::test_elect80_*.
# Model (the spatialreg documentation's): log(pc_turnout) ~ log(pc_college) + log(pc_homeownership) +
# log(pc_income), weights elect80_lw (symmetric neighbours, row-standardised, no islands).
# method = "eigen": exact log-determinant and spatialreg's analytical (expected-information) asymptotic
# covariance with dense (I - rho W)^-1 — the quantity spatialq's default standard errors estimate.
# Writes the data (elect80.csv.gz: FIPS and the four variables, 17 significant digits) and the neighbour
# list (elect80_nb.csv.gz: one row per directed link, 1-based positions), so the tests need no R.
# Usage: Rscript elect80.R OUTPUT_DIR
suppressPackageStartupMessages({library(spdep); library(spatialreg); library(jsonlite)})
out <- commandArgs(trailingOnly = TRUE)[1]
data(elect80, package = "spData")
d <- as.data.frame(elect80)[, c("FIPS", "pc_turnout", "pc_college", "pc_homeownership", "pc_income")]
lw <- elect80_lw
nb <- lw$neighbours
links <- data.frame(from = rep(seq_along(nb), card(nb)), to = unlist(nb))
z <- gzfile(file.path(out, "elect80.csv.gz"), "w"); write.csv(format(d, digits = 17), z, row.names = FALSE); close(z)
z <- gzfile(file.path(out, "elect80_nb.csv.gz"), "w"); write.csv(links, z, row.names = FALSE); close(z)
f <- log(pc_turnout) ~ log(pc_college) + log(pc_homeownership) + log(pc_income)
one <- function(fit, spatial) {
  s <- summary(fit)
  r <- list(coef = as.list(coef(fit)), se = as.list(s$Coef[, 2]), loglik = as.numeric(logLik(fit)), s2 = fit$s2)
  if ("rho" %in% spatial) { r$rho <- unname(fit$rho); r$rho_se <- unname(fit$rho.se) }
  if ("lambda" %in% spatial) { r$lambda <- unname(fit$lambda); r$lambda_se <- unname(fit$lambda.se) }
  r
}
t0 <- proc.time()
res <- list(versions = list(R = R.version.string, spdep = as.character(packageVersion("spdep")),
                            spatialreg = as.character(packageVersion("spatialreg")),
                            spData = as.character(packageVersion("spData"))),
            n = nrow(d), n_links = nrow(links),
            sar = one(lagsarlm(f, data = d, listw = lw, method = "eigen"), "rho"),
            sem = one(errorsarlm(f, data = d, listw = lw, method = "eigen"), "lambda"),
            sdm = one(lagsarlm(f, data = d, listw = lw, method = "eigen", Durbin = TRUE), "rho"),
            sdem = one(errorsarlm(f, data = d, listw = lw, method = "eigen", Durbin = TRUE), "lambda"),
            sac = one(sacsarlm(f, data = d, listw = lw, method = "eigen"), c("rho", "lambda")))
res$seconds <- unname((proc.time() - t0)[3])
res$sessionInfo <- paste(capture.output(sessionInfo()), collapse = "\n")
rapply_ <- function(x) if (is.list(x)) lapply(x, rapply_) else as.vector(unclass(x))
writeLines(toJSON(rapply_(res), auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(out, "elect80.json"))
