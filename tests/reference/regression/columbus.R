# Reference values for spatialq.regression on the Columbus data (tests/test_regression.py).
# columbus.shp is byte-identical in R spData and Python libpysal.examples (same md5); queen
# contiguity from the polygons (poly2nb) equals libpysal's columbus.gal; W row-standardised.
# Model: CRIME ~ INC + HOVAL.  Every ML fit uses method = "eigen" (exact log-determinant and
# spatialreg's analytical asymptotic covariance, except sacsarlm which uses a numerical Hessian).
# Usage: Rscript columbus.R OUTPUT_DIR
suppressPackageStartupMessages({library(sf); library(spdep); library(spatialreg); library(jsonlite)})
out <- commandArgs(trailingOnly = TRUE)[1]
col <- st_read(system.file("shapes/columbus.shp", package = "spData"), quiet = TRUE)
lw <- nb2listw(poly2nb(col, queen = TRUE), style = "W")
f <- CRIME ~ INC + HOVAL
res <- list(versions = list(R = R.version.string, spdep = as.character(packageVersion("spdep")),
                            spatialreg = as.character(packageVersion("spatialreg"))))
fit_ols <- lm(f, data = col)
lmt <- lm.LMtests(fit_ols, lw, test = "all")
mt <- lm.morantest(fit_ols, lw, alternative = "two.sided")
res$ols <- list(coef = as.list(coef(fit_ols)), se = as.list(summary(fit_ols)$coefficients[, 2]),
                moran_I = unname(mt$estimate[1]), moran_z = unname(mt$statistic), moran_p = mt$p.value,
                lm = lapply(lmt, function(t) list(stat = unname(t$statistic), df = unname(t$parameter),
                                                   p = unname(t$p.value))))
one <- function(fit, spatial) {
  s <- summary(fit)
  r <- list(coef = as.list(coef(fit)), loglik = as.numeric(logLik(fit)), s2 = fit$s2,
            se = as.list(s$Coef[, 2]))
  if ("rho" %in% spatial) { r$rho <- unname(fit$rho); r$rho_se <- unname(fit$rho.se) }
  if ("lambda" %in% spatial) { r$lambda <- unname(fit$lambda); r$lambda_se <- unname(fit$lambda.se) }
  r
}
imp <- function(fit) {
  i <- impacts(fit, listw = lw)
  list(direct = as.list(i$direct), indirect = as.list(i$indirect), total = as.list(i$total))
}
# Simulated inference (LeSage & Pace): draws of (rho, beta, theta) from the asymptotic normal
# distribution.  The indirect effect ~ 1/(1 - rho) is heavy-tailed, so its standard deviation is
# unstable between seeds; the quantiles are stable.  Average 5 seeds x 20,000 draws.
sim_imp <- function(fit) {
  W <- as(lw, "CsparseMatrix")
  tr <- trW(W, type = "mult")
  runs <- lapply(1:5, function(s) {
    set.seed(s)
    summary(impacts(fit, tr = tr, R = 20000), zstats = TRUE, short = TRUE)
  })
  avg <- function(f) Reduce(`+`, lapply(runs, f)) / length(runs)
  q <- function(part) {
    m <- avg(function(r) r[[part]]$quantiles)
    lapply(seq_len(nrow(m)), function(i) as.list(m[i, ]))
  }
  se <- avg(function(r) r$semat)
  list(se_direct = as.list(se[, "Direct"]), se_indirect = as.list(se[, "Indirect"]),
       se_total = as.list(se[, "Total"]), q_direct = q("direct_sum"), q_indirect = q("indirect_sum"),
       q_total = q("total_sum"))
}
sar <- lagsarlm(f, data = col, listw = lw, method = "eigen")
sem <- errorsarlm(f, data = col, listw = lw, method = "eigen")
sdm <- lagsarlm(f, data = col, listw = lw, method = "eigen", Durbin = TRUE)
sdem <- errorsarlm(f, data = col, listw = lw, method = "eigen", Durbin = TRUE)
sac <- sacsarlm(f, data = col, listw = lw, method = "eigen")
slx <- lmSLX(f, data = col, listw = lw)
res$sar <- c(one(sar, "rho"), list(impacts = imp(sar), sim = sim_imp(sar)))
res$sem <- one(sem, "lambda")
res$sdm <- c(one(sdm, "rho"), list(impacts = imp(sdm), sim = sim_imp(sdm)))
res$sdem <- c(one(sdem, "lambda"), list(impacts = imp(sdem)))
res$sac <- c(one(sac, c("rho", "lambda")), list(impacts = imp(sac)))
res$slx <- list(coef = as.list(coef(slx)), se = as.list(summary(slx)$coefficients[, 2]), impacts = imp(slx))
lr <- function(a, b) { t <- LR.Sarlm(a, b); list(stat = unname(t$statistic), df = unname(t$parameter), p = unname(t$p.value)) }
res$lr_sdm_sar <- lr(sdm, sar)
res$lr_sdm_sem <- lr(sdm, sem)
res$lm_residual_sar <- list(stat = unname(summary(sar)$LMtest), p = NA)
rapply_ <- function(x) if (is.list(x)) lapply(x, rapply_) else as.vector(unclass(x))
res <- rapply_(res)
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(out, "columbus.json"))
