# Reference for spatialq.panel.spatial_panel_re(model="sem", errors="kkp") and the spatial Hausman test against
# it: splm 1.6-5 spml(model = "random", lag = FALSE, spatial.error = "kkp") (Kapoor, Kelejian & Prucha 2007 error
# components, spreml errors = "sem2re") and sphtest(method = "ML", errors = "KKP", spatial.model = "error")
# on Elhorst's cigarette panel, W row-standardised contiguity.  As in cigarette_random_hessian.R, the
# concentrated log-likelihood splm hands to nlme::fdHess is captured; its maximum is polished and numDeriv's
# Richardson Hessian taken there (splm's own SEs of phi and rho come from fdHess and carry its rounding noise).
# Usage: Rscript cigarette_random_kkp.R REFERENCE_DATA_DIR OUTPUT_DIR
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
m <- spml(f, data = pd, listw = lw, model = "random", effect = "individual", lag = FALSE, spatial.error = "kkp",
          quiet = TRUE)
ct <- summary(m)$CoefTable
ll <- captured$fun
p0 <- as.numeric(captured$pars)
opt <- nlminb(p0, function(p) -ll(p), control = list(rel.tol = 1e-15, x.tol = 1e-15, eval.max = 2000, iter.max = 2000))
p <- opt$par
for (i in 1:6) {
  g <- numDeriv::grad(ll, p, method.args = list(r = 6))
  H <- numDeriv::hessian(ll, p, method.args = list(r = 6))
  p <- p - solve(H, g)
}
H <- numDeriv::hessian(ll, p, method.args = list(r = 6))
h <- sphtest(f, data = pd, listw = lw, spatial.model = "error", method = "ML", errors = "KKP")
res <- list(versions = list(R = R.version.string, splm = as.character(packageVersion("splm")),
                            spdep = as.character(packageVersion("spdep")), plm = as.character(packageVersion("plm")),
                            nlme = as.character(packageVersion("nlme")),
                            numDeriv = as.character(packageVersion("numDeriv"))),
            coef = as.list(ct[, 1]), se = as.list(ct[, 2]), errcomp = as.list(m$errcomp),
            errcomp_se_reported = sqrt(diag(as.matrix(m$vcov.errcomp))), logLik = as.numeric(m$logLik),
            sigma2 = as.numeric(m$sigma2), splm_par = p0, par = p, loglik = ll(p), hessian = H,
            se_accurate = sqrt(diag(solve(-H))),
            hausman = list(statistic = as.numeric(h$statistic), df = as.numeric(h$parameter), p = as.numeric(h$p.value)))
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(args[2], "cigarette_random_kkp.json"))
