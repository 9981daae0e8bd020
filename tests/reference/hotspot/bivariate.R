# Reference values for spatialq.hotspot.bivariate_moran / bivariate_local_moran (tests/test_bivariate.py).
# columbus.shp is byte-identical in R spData and Python libpysal.examples (same md5).
# Usage: Rscript bivariate.R OUTPUT_DIR
suppressPackageStartupMessages({library(sf); library(spdep)})
out <- commandArgs(trailingOnly = TRUE)[1]
col <- st_read(system.file("shapes/columbus.shp", package = "spData"), quiet = TRUE)
nb <- poly2nb(col, queen = TRUE)
g <- data.frame()
l <- data.frame(POLYID = col$POLYID)
pairs <- list(c("CRIME", "HOVAL"), c("HOVAL", "CRIME"), c("CRIME", "INC"))
for (pr in pairs) {
  for (style in c("W", "B")) {
    lw <- nb2listw(nb, style = style)
    set.seed(1)
    mb <- moran_bv(col[[pr[1]]], col[[pr[2]]], lw, nsim = 99)
    g <- rbind(g, data.frame(x = pr[1], y = pr[2], style = style, I = mb$t0))
    lb <- localmoran_bv(col[[pr[1]]], col[[pr[2]]], lw, nsim = 499, iseed = 1)
    l[[paste(pr[1], pr[2], style, "Ibvi", sep = "_")]] <- lb[, "Ibvi"]
    l[[paste(pr[1], pr[2], style, "Psim", sep = "_")]] <- lb[, "Pr(folded) Sim"]
  }
}
write.csv(g, file.path(out, "bivariate_global.csv"), row.names = FALSE)
write.csv(l, file.path(out, "bivariate_local.csv"), row.names = FALSE)
writeLines(c(R.version.string, paste("spdep", packageVersion("spdep")), paste("spData", packageVersion("spData")),
             "moran_bv(x, y, listw, nsim = 99)$t0; localmoran_bv(x, y, listw, nsim = 499, iseed = 1)[, 'Ibvi']"),
           file.path(out, "bivariate_versions.txt"))
