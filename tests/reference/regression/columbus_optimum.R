# The maximum of the concentrated log-likelihoods of Columbus (CRIME ~ INC + HOVAL, queen, row-standardised)
# located to ~1e-12 in rho / lambda, as a reference for spatialq's optimiser (tests/test_regression.py).
#
# spatialreg stops its searches on function values: optimize() (lagsarlm, errorsarlm) stops within
# sqrt(.Machine$double.eps) * |rho| + tol/3 and nlminb (sacsarlm) on a relative change of 1e-10 in log L,
# and log L is flat to rounding over ~1e-8 in rho, so its estimates are ~1e-8 (SAC ~1e-7) from the maximum.
# Here the same profile likelihood (spatialreg's eigenvalues via eigenw(), residuals from R's lm()) is
# maximised by solving its first-order condition: the derivative by a 4-point central difference
# (h = 1e-3, error O(h^4)) and uniroot() with tol 1e-14 (SAC: Newton on the 2-d gradient).  The value of
# the profile log-likelihood at spatialreg's estimate equals logLik() of the spatialreg fit (checked here).
# Usage: Rscript columbus_optimum.R OUTPUT_DIR
suppressPackageStartupMessages({library(sf); library(spdep); library(spatialreg); library(jsonlite)})
out <- commandArgs(trailingOnly = TRUE)[1]
col <- st_read(system.file("shapes/columbus.shp", package = "spData"), quiet = TRUE)
lw <- nb2listw(poly2nb(col, queen = TRUE), style = "W")
W <- as(lw, "CsparseMatrix")
ev <- Re(eigenw(lw))
n <- nrow(col)
y <- col$CRIME
X <- cbind(1, col$INC, col$HOVAL)
WX <- as.matrix(W %*% X[, -1])
Wy <- as.vector(W %*% y)
ldet <- function(r) sum(log(1 - r * ev))
sse <- function(yy, XX) sum(lm.fit(XX, yy)$residuals^2)
conc <- function(s, jac) -n / 2 * (log(2 * pi) + log(s / n) + 1) + jac
lag_ll <- function(r, XX) conc(sse(y - r * Wy, XX), ldet(r))
err_ll <- function(l, XX) {
  WXX <- as.matrix(W %*% XX)
  conc(sse(y - l * Wy, XX - l * WXX), ldet(l))
}
sac_ll <- function(v) {
  r <- v[1]; l <- v[2]
  yr <- y - r * Wy
  conc(sse(yr - l * as.vector(W %*% yr), X - l * as.matrix(W %*% X)), ldet(r) + ldet(l))
}
d1 <- function(f, x, h = 1e-3) (f(x - 2 * h) - 8 * f(x - h) + 8 * f(x + h) - f(x + 2 * h)) / (12 * h)
root <- function(f, x0) uniroot(function(x) d1(f, x), c(x0 - 1e-3, x0 + 1e-3), tol = 1e-14)$root
f <- CRIME ~ INC + HOVAL
sar <- lagsarlm(f, data = col, listw = lw, method = "eigen")
sdm <- lagsarlm(f, data = col, listw = lw, method = "eigen", Durbin = TRUE)
sem <- errorsarlm(f, data = col, listw = lw, method = "eigen")
sdem <- errorsarlm(f, data = col, listw = lw, method = "eigen", Durbin = TRUE)
sac <- sacsarlm(f, data = col, listw = lw, method = "eigen")
XD <- cbind(X, WX)
one <- function(fit, par, ll) {
  est <- if (par == "rho") unname(fit$rho) else unname(fit$lambda)
  r <- root(ll, est)
  list(spatialreg = est, optimum = r, loglik_at_spatialreg = ll(est), logLik_spatialreg = as.numeric(logLik(fit)),
       score_at_spatialreg = d1(ll, est), score_at_optimum = d1(ll, r))
}
res <- list(versions = list(R = R.version.string, spdep = as.character(packageVersion("spdep")),
                            spatialreg = as.character(packageVersion("spatialreg"))),
            sar = one(sar, "rho", function(r) lag_ll(r, X)),
            sdm = one(sdm, "rho", function(r) lag_ll(r, XD)),
            sem = one(sem, "lambda", function(l) err_ll(l, X)),
            sdem = one(sdem, "lambda", function(l) err_ll(l, XD)))
grad <- function(v) c(d1(function(r) sac_ll(c(r, v[2])), v[1]), d1(function(l) sac_ll(c(v[1], l)), v[2]))
v <- c(unname(sac$rho), unname(sac$lambda))
for (i in 1:30) {
  h <- 1e-4
  H <- cbind((grad(v + c(h, 0)) - grad(v - c(h, 0))) / (2 * h), (grad(v + c(0, h)) - grad(v - c(0, h))) / (2 * h))
  step <- solve(H, grad(v))
  v <- v - step
  if (max(abs(step)) < 1e-14) break
}
res$sac <- list(spatialreg = c(rho = unname(sac$rho), lambda = unname(sac$lambda)), optimum = c(rho = v[1], lambda = v[2]),
                loglik_at_spatialreg = sac_ll(c(sac$rho, sac$lambda)), logLik_spatialreg = as.numeric(logLik(sac)),
                score_at_spatialreg = grad(c(sac$rho, sac$lambda)), score_at_optimum = grad(v))
res$sessionInfo <- paste(capture.output(sessionInfo()), collapse = "\n")
rapply_ <- function(x) if (is.list(x)) lapply(x, rapply_) else as.vector(unclass(x))
writeLines(toJSON(rapply_(res), auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(out, "columbus_optimum.json"))
