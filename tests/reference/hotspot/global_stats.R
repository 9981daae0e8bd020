# Reference values for spatialq.hotspot.geary / general_g / join_counts (tests/test_global_stats.py):
# spdep's analytical tests on Columbus (spData's columbus.shp = libpysal's), queen contiguity (poly2nb).
#   geary.test(randomisation = TRUE / FALSE), styles "W" and "B"   — Cliff & Ord (1981)
#   globalG.test, style "B"                                        — Getis & Ord (1992)
#   joincount.test and joincount.multi, style "B", on HICRIME = CRIME > median(CRIME)
# Usage: Rscript global_stats.R OUTPUT.json
suppressPackageStartupMessages({library(sf); library(spdep); library(jsonlite)})
out <- commandArgs(trailingOnly = TRUE)[1]
col <- st_read(system.file("shapes/columbus.shp", package = "spData"), quiet = TRUE)
nb <- poly2nb(col, queen = TRUE)
res <- list(versions = list(R = R.version.string, spdep = as.character(packageVersion("spdep"))))
g <- function(t) list(statistic = unname(t$estimate[1]), expectation = unname(t$estimate[2]),
                      variance = unname(t$estimate[3]), z = unname(t$statistic), p = t$p.value)
for (style in c("W", "B")) {
  lw <- nb2listw(nb, style = style)
  for (v in c("CRIME", "HOVAL")) {
    res[[paste("geary", style, v, "rand", sep = "_")]] <- g(geary.test(col[[v]], lw, randomisation = TRUE))
    res[[paste("geary", style, v, "norm", sep = "_")]] <- g(geary.test(col[[v]], lw, randomisation = FALSE))
  }
}
lb <- nb2listw(nb, style = "B")
for (v in c("CRIME", "HOVAL")) res[[paste("general_g", v, sep = "_")]] <- g(globalG.test(col[[v]], lb))
hi <- factor(ifelse(col$CRIME > median(col$CRIME), "1", "0"), levels = c("0", "1"))
jt <- joincount.test(hi, lb)
res$joincount_test <- lapply(jt, function(t) list(statistic = unname(t$estimate[1]),
                             expectation = unname(t$estimate[2]), variance = unname(t$estimate[3]),
                             z = unname(t$statistic), p = t$p.value))
names(res$joincount_test) <- c("ww", "bb")
jm <- joincount.multi(hi, lb)
res$joincount_multi <- lapply(rownames(jm), function(r) as.list(jm[r, ]))
names(res$joincount_multi) <- rownames(jm)
res$hicrime <- as.integer(as.character(hi))
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE), out)
