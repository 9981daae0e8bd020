# Reference values for spatialq.regression.spatial_gmm (tests/test_gmm.py): spatialreg's
# generalised-moments / two-stage least-squares estimators on Columbus, CRIME ~ INC + HOVAL,
# queen contiguity from the polygons (poly2nb = libpysal's columbus.gal), W row-standardised.
#   stsls(robust = FALSE / TRUE, W2X = TRUE)  spatial 2SLS, instruments X, WX, W²X (Kelejian & Prucha 1998)
#   GMerrorsar(legacy = TRUE / FALSE)         Kelejian & Prucha (1999) GM for λ, then FGLS
#   gstsls(robust = FALSE / TRUE, W2X = TRUE)  GS2SLS (Kelejian & Prucha 1998)
# Usage: Rscript columbus_gmm.R OUTPUT.json
suppressPackageStartupMessages({library(sf); library(spdep); library(spatialreg); library(jsonlite)})
out <- commandArgs(trailingOnly = TRUE)[1]
col <- st_read(system.file("shapes/columbus.shp", package = "spData"), quiet = TRUE)
lw <- nb2listw(poly2nb(col, queen = TRUE), style = "W")
f <- CRIME ~ INC + HOVAL
tab <- function(fit) {
  cf <- summary(fit)$Coef
  r <- list(coef = as.list(cf[, 1]), se = as.list(cf[, 2]), s2 = if (is.null(fit$s2)) fit$sse / fit$df else fit$s2)
  if (!is.null(fit$lambda)) r$lambda <- unname(fit$lambda)
  if (!is.null(fit$lambda.se)) r$lambda_se <- as.numeric(fit$lambda.se)
  r
}
res <- list(versions = list(R = R.version.string, spdep = as.character(packageVersion("spdep")),
                            spatialreg = as.character(packageVersion("spatialreg"))))
res$stsls <- tab(stsls(f, data = col, listw = lw, W2X = TRUE))
res$stsls_robust <- tab(stsls(f, data = col, listw = lw, robust = TRUE, W2X = TRUE))
res$gmerrorsar_legacy <- tab(GMerrorsar(f, data = col, listw = lw, legacy = TRUE))
res$gmerrorsar <- tab(GMerrorsar(f, data = col, listw = lw))
res$gstsls <- tab(gstsls(f, data = col, listw = lw, W2X = TRUE))
res$gstsls_robust <- tab(gstsls(f, data = col, listw = lw, robust = TRUE, W2X = TRUE))
# LeSage–Pace effects of the S2SLS fit (spatialreg's impacts, exact traces)
i <- impacts(stsls(f, data = col, listw = lw, W2X = TRUE), listw = lw)
res$stsls_impacts <- list(direct = as.list(i$direct), indirect = as.list(i$indirect), total = as.list(i$total))
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE), out)
