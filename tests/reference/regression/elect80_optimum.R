# The maximum of the concentrated log-likelihoods on elect80 (as elect80.R) located by its first-order
# condition, as columbus_optimum.R does for Columbus: spatialreg's eigenvalues (eigenw), residuals from R's
# lm.fit, the derivative by a 4-point central difference (h = 1e-3) and uniroot(tol = 1e-14).  At n = 3,107
# optimize()'s answer in spatialreg is up to ~2e-7 from this root (SEM): log L is flat to its rounding noise
# (~1e-10) over that range.  Usage: Rscript elect80_optimum.R OUTPUT_DIR (reads elect80.csv.gz, elect80_nb.csv.gz
# from the working directory).
suppressPackageStartupMessages({library(spdep); library(spatialreg); library(jsonlite)})
out <- commandArgs(trailingOnly = TRUE)[1]
d <- read.csv("elect80.csv.gz", colClasses = c(FIPS = "character"))
links <- read.csv("elect80_nb.csv.gz")
data(elect80, package = "spData")
lw <- elect80_lw
stopifnot(identical(d$FIPS, as.character(elect80$FIPS)),
          identical(as.integer(unlist(lw$neighbours)), as.integer(links$to)))
W <- as(lw, "CsparseMatrix")
ev <- Re(eigenw(lw))
n <- nrow(d)
y <- log(d$pc_turnout)
X <- cbind(1, log(d$pc_college), log(d$pc_homeownership), log(d$pc_income))
WX <- as.matrix(W %*% X[, -1])
XD <- cbind(X, WX)
Wy <- as.vector(W %*% y)
ldet <- function(r) sum(log(1 - r * ev))
sse <- function(yy, XX) sum(lm.fit(XX, yy)$residuals^2)
conc <- function(s, jac) -n / 2 * (log(2 * pi) + log(s / n) + 1) + jac
lag_ll <- function(r, XX) conc(sse(y - r * Wy, XX), ldet(r))
err_ll <- function(l, XX) conc(sse(y - l * Wy, XX - l * as.matrix(W %*% XX)), ldet(l))
d1 <- function(f, x, h = 1e-3) (f(x - 2 * h) - 8 * f(x - h) + 8 * f(x + h) - f(x + 2 * h)) / (12 * h)
ref <- fromJSON("elect80.json")
one <- function(est, ll) {
  r <- uniroot(function(x) d1(ll, x), c(est - 1e-3, est + 1e-3), tol = 1e-14)$root
  list(spatialreg = est, optimum = r, loglik_at_spatialreg = ll(est), loglik_at_optimum = ll(r),
       score_at_spatialreg = d1(ll, est), score_at_optimum = d1(ll, r))
}
res <- list(versions = list(R = R.version.string, spdep = as.character(packageVersion("spdep")),
                            spatialreg = as.character(packageVersion("spatialreg"))),
            sar = one(ref$sar$rho, function(r) lag_ll(r, X)),
            sdm = one(ref$sdm$rho, function(r) lag_ll(r, XD)),
            sem = one(ref$sem$lambda, function(l) err_ll(l, X)),
            sdem = one(ref$sdem$lambda, function(l) err_ll(l, XD)))
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(out, "elect80_optimum.json"))
