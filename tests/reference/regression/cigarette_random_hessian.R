# The standard errors of phi and of the spatial parameter in splm 1.6-5's random-effects models, computed on
# splm's own concentrated log-likelihood with an accurate Hessian.
# splm (sarREmod / semREmod) inverts nlme::fdHess of its concentrated log-likelihood ll(phi, lambda|rho); fdHess
# takes steps of about |theta| * eps^(1/3), at which the second differences are dominated by rounding. This
# script hooks fdHess inside splm's namespace to capture the very function and point splm passes to it, then
#  (1) repeats splm's fdHess there (reproducing splm's reported SEs),
#  (2) polishes the maximum of that same function (nlminb from splm's optimum, tight tolerances; then Newton
#      steps with numDeriv's Richardson-extrapolated gradient and Hessian), and
#  (3) computes numDeriv::hessian (Richardson extrapolation, r = 6) at the polished maximum and its inverse.
# spatialq is compared with (2) and (3).  Usage: Rscript cigarette_random_hessian.R REFERENCE_DATA_DIR OUTPUT_DIR
suppressPackageStartupMessages({library(splm); library(spdep); library(plm); library(numDeriv); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
cig <- read.csv(file.path(args[1], "cigarette.csv"))
wm <- as.matrix(read.csv(file.path(args[1], "cigarette_w.csv"), row.names = 1))
lw <- mat2listw(wm, style = "W")
cig <- cig[order(cig$state, cig$year), ]
pd <- pdata.frame(cig[, c("state", "year", "logc", "logp", "logy")], index = c("state", "year"))
f <- logc ~ logp + logy

captured <- NULL
imports <- parent.env(asNamespace("splm"))
unlockBinding("fdHess", imports)
assign("fdHess", function(pars, fun, ...) {
  captured <<- list(pars = pars, fun = fun)
  nlme::fdHess(pars, fun, ...)
}, envir = imports)

accurate <- function(lag, err) {
  m <- spml(f, data = pd, listw = lw, model = "random", effect = "individual", lag = lag, spatial.error = err,
            quiet = TRUE)
  ll <- captured$fun                      # the log-likelihood (splm passes function(x) -ll.c(x, ...))
  p0 <- as.numeric(captured$pars)         # (phi, lambda | rho) at splm's optimum
  fd <- nlme::fdHess(p0, ll)$Hessian
  se_fd <- sqrt(diag(solve(-fd)))
  opt <- nlminb(p0, function(p) -ll(p), control = list(rel.tol = 1e-15, x.tol = 1e-15, eval.max = 2000,
                                                       iter.max = 2000))
  p <- opt$par
  for (i in 1:6) {                       # Newton polish on Richardson derivatives
    g <- numDeriv::grad(ll, p, method.args = list(r = 6))
    H <- numDeriv::hessian(ll, p, method.args = list(r = 6))
    p <- p - solve(H, g)
  }
  H <- numDeriv::hessian(ll, p, method.args = list(r = 6))
  list(splm_par = p0, splm_loglik = ll(p0), splm_se_reported = c(sqrt(diag(as.matrix(m$vcov.errcomp))),
       if (lag) sqrt(diag(as.matrix(m$vcov.arcoef)))), fdHess_se = se_fd,
       par = p, loglik = ll(p), gradient = numDeriv::grad(ll, p, method.args = list(r = 6)),
       hessian = H, se = sqrt(diag(solve(-H))))
}
res <- list(versions = list(R = R.version.string, splm = as.character(packageVersion("splm")),
                            nlme = as.character(packageVersion("nlme")),
                            numDeriv = as.character(packageVersion("numDeriv"))),
            note = "par, se: (phi, lambda) for sar_random (splm's lag 'lambda'), (phi, rho) for sem_random (splm's error 'rho')")
res$sar_random <- accurate(TRUE, "none")
res$sem_random <- accurate(FALSE, "b")
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           file.path(args[2], "cigarette_random_hessian.json"))
