# Reference values for spatialq.regression.spatial_gmm(errors = "het" / "hom") (tests/test_gmm_sphet.py):
# R sphet's GMM estimators (Arraiz, Drukker, Kelejian & Prucha 2010; Drukker, Egger & Prucha 2013) on
# Columbus, CRIME ~ INC + HOVAL, queen contiguity from the polygons, W row-standardised — the same data and
# W as columbus_gmm.R.
#   spreg(model = "sarar", het = TRUE / FALSE)  GS2SLS, instruments X, WX, W²X (q = 2); sphet names the
#                                                Wy coefficient "lambda" and the Wu coefficient "rho"
#   spreg(model = "error", het = TRUE / FALSE)  sphet's error model: step 2a is 2SLS of the filtered
#                                                data on instruments H = X only (not FGLS), and the moment
#                                                covariance Φ and Cov(δ, ρ) use the sample a-vectors
#   error_fgls(het = TRUE / FALSE)               errorgmm's steps verbatim with sphet's own moment and
#                                                variance functions (gg_het/gg_hom, optimfunct(_eff),
#                                                psirhorho_het/hom, Omega_het/hom) and two changes that give
#                                                spreg's GM_Error_Het/Hom convention: H = [X, WX] (then both
#                                                IV steps are OLS / FGLS, since X − ρWX lies in span H) and
#                                                the a-vectors set to 0 (their population value for exogenous
#                                                X, which spreg uses)
# sphet 2.1-1 (CRAN sources via github:cran/sphet) was installed with its DESCRIPTION's spData (>= 2.3.1)
# relaxed to the installed Debian spData 2.2.1: spData is used only by sphet's examples (columbus.gpkg).
# Usage: Rscript columbus_sphet.R OUTPUT.json
suppressPackageStartupMessages({library(sf); library(spdep); library(sphet); library(Matrix); library(jsonlite)})
out <- commandArgs(trailingOnly = TRUE)[1]
col <- st_read(system.file("shapes/columbus.shp", package = "spData"), quiet = TRUE)
lw <- nb2listw(poly2nb(col, queen = TRUE), style = "W")
f <- CRIME ~ INC + HOVAL
tab <- function(coef, V, extra = list()) {
  cf <- as.numeric(coef); names(cf) <- rownames(coef)
  se <- sqrt(diag(as.matrix(V))); names(se) <- names(cf)
  c(list(coef = as.list(cf), se = as.list(se)), extra)
}
fit <- function(model, het) {
  r <- spreg(f, data = col, listw = lw, model = model, het = het)
  tab(r$coefficients, r$var, list(s2 = as.numeric(r$s2), init_rho = as.numeric(r$init.rho)))
}
error_fgls <- function(het) {
  Ws <- listw2dgCMatrix(lw)
  y <- col$CRIME
  X <- cbind("(Intercept)" = 1, INC = col$INC, HOVAL = col$HOVAL)
  H <- cbind(X, as.matrix(Ws %*% X[, -1]))
  n <- nrow(X)
  u1 <- residuals(sphet:::spatial.ivreg(y = y, Zmat = X, Hmat = H, het = het))
  G1 <- if (het) sphet:::gg_het(Ws, u1, n) else sphet:::gg_hom(Ws, u1, n)
  rt <- nlminb(0.2, sphet:::optimfunct, v = G1, lower = -0.9 + .Machine$double.eps,
               upper = 0.9 - .Machine$double.eps)$par
  yt <- as.numeric(y - rt * Ws %*% y)
  Zt <- as.matrix(X - rt * Ws %*% X)
  delta <- coefficients(sphet:::spatial.ivreg(y = yt, Zmat = Zt, Hmat = H, het = het))
  u2 <- as.numeric(y - X %*% delta)
  G2 <- if (het) sphet:::gg_het(Ws, u2, n) else sphet:::gg_hom(Ws, u2, n)
  weights <- function(rho) {
    w <- if (het) sphet:::psirhorho_het(rho, u2, H, X, Ws, step1.c = FALSE)
         else sphet:::psirhorho_hom(rho, u2, H, X, Ws, G2$d, G2$v.vec)
    # drop the a-vector terms: Φ's a'Γa (het) / σ²a'a/n and μ3 a'diag(A)/n (hom) parts
    a <- cbind(as.numeric(w$a.vec1), as.numeric(w$a.vec2))
    eps <- as.numeric(w$epsilon)
    if (het) {
      w$Phi <- w$Phi - crossprod(a, eps^2 * a) / n
    } else {
      s2 <- sum(eps^2) / n; mu3 <- sum(eps^3) / n
      ad <- cbind(diag(w$A1), diag(w$A2))
      w$Phi <- w$Phi - s2 * crossprod(a) / n - mu3 * (crossprod(a, ad) + crossprod(ad, a)) / n
    }
    w$Phiinv <- solve(w$Phi)
    w$a.vec1 <- 0 * w$a.vec1; w$a.vec2 <- 0 * w$a.vec2
    w
  }
  gw <- weights(rt)
  rf <- nlminb(rt, sphet:::optimfunct_eff, v = G2, vcmat = gw$Phiinv,
               lower = -0.9 + .Machine$double.eps, upper = 0.9 - .Machine$double.eps)$par
  gw <- weights(rf)
  V <- if (het) sphet:::Omega_het(rf, gw$Pmat, gw$A1, gw$A2, gw$a.vec1, gw$a.vec2, H, G2$bigG, gw$Phiinv,
                                  gw$epsilon, gw$Zstar, Ws, step1.c = FALSE)$Omega
       else sphet:::Omega_hom(rf, gw$Pmat, gw$A1, gw$A2, gw$a.vec1, gw$a.vec2, H, G2$bigG, gw$Phiinv,
                              gw$epsilon, gw$Zstar)$Omega
  coef <- matrix(c(as.numeric(delta), rf), ncol = 1, dimnames = list(c(colnames(X), "rho"), NULL))
  tab(coef, V, list(init_rho = rt))
}
res <- list(versions = list(R = R.version.string, sphet = as.character(packageVersion("sphet")),
                            spdep = as.character(packageVersion("spdep")),
                            Matrix = as.character(packageVersion("Matrix"))))
res$sarar_het <- fit("sarar", TRUE)
res$sarar_hom <- fit("sarar", FALSE)
res$error_het <- fit("error", TRUE)
res$error_hom <- fit("error", FALSE)
res$error_fgls_het <- error_fgls(TRUE)
res$error_fgls_hom <- error_fgls(FALSE)
# 17 significant digits (jsonlite's own formatting stops at 15): numbers written verbatim with %.17g
res <- rapply(res, function(v) structure(sprintf("%.17g", v), class = "json"), classes = "numeric",
              how = "replace")
writeLines(toJSON(res, auto_unbox = TRUE, json_verbatim = TRUE, pretty = TRUE), out)
