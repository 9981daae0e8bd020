# Reference values for spatialq.hotspot on the Columbus data (tests/test_hotspot.py).
# columbus.shp is byte-identical in R spData and Python libpysal.examples (same md5).
# Usage: Rscript columbus.R OUTPUT_DIR
suppressPackageStartupMessages({library(sf); library(spdep)})
out <- commandArgs(trailingOnly = TRUE)[1]
col <- st_read(system.file("shapes/columbus.shp", package = "spData"), quiet = TRUE)
nb <- poly2nb(col, queen = TRUE)
g <- data.frame()
for (var in c("CRIME", "HOVAL")) {
  x <- col[[var]]
  for (style in c("W", "B")) {
    lw <- nb2listw(nb, style = style)
    for (rand in c(TRUE, FALSE)) {
      mt <- moran.test(x, lw, randomisation = rand, alternative = "two.sided")
      g <- rbind(g, data.frame(variable = var, style = style, assumption = ifelse(rand, "randomization", "normality"),
                               I = mt$estimate[["Moran I statistic"]], expectation = mt$estimate[["Expectation"]],
                               variance = mt$estimate[["Variance"]], z = mt$statistic[["Moran I statistic standard deviate"]],
                               p = mt$p.value))
    }
  }
}
write.csv(g, file.path(out, "columbus_moran_global.csv"), row.names = FALSE)
l <- data.frame(POLYID = col$POLYID)
lw <- nb2listw(nb, style = "W")
for (var in c("CRIME", "HOVAL")) {
  x <- col[[var]]
  lm_t <- localmoran(x, lw, conditional = TRUE, alternative = "two.sided")
  lm_f <- localmoran(x, lw, conditional = FALSE, alternative = "two.sided")
  l[[paste0(var, "_Ii")]] <- lm_t[, "Ii"]
  l[[paste0(var, "_E_cond")]] <- lm_t[, "E.Ii"]
  l[[paste0(var, "_Var_cond")]] <- lm_t[, "Var.Ii"]
  l[[paste0(var, "_Z_cond")]] <- lm_t[, "Z.Ii"]
  l[[paste0(var, "_E_total")]] <- lm_f[, "E.Ii"]
  l[[paste0(var, "_Var_total")]] <- lm_f[, "Var.Ii"]
  l[[paste0(var, "_Z_total")]] <- lm_f[, "Z.Ii"]
  l[[paste0(var, "_Gstar_B")]] <- as.numeric(localG(x, nb2listw(include.self(nb), style = "B")))
  l[[paste0(var, "_Gstar_W")]] <- as.numeric(localG(x, nb2listw(include.self(nb), style = "W")))
  l[[paste0(var, "_G_B")]] <- as.numeric(localG(x, nb2listw(nb, style = "B")))
}
write.csv(l, file.path(out, "columbus_local.csv"), row.names = FALSE)
nbl <- data.frame(i = rep(col$POLYID, card(nb)), j = col$POLYID[unlist(nb)])
write.csv(nbl, file.path(out, "columbus_queen_pairs.csv"), row.names = FALSE)
writeLines(c(R.version.string, paste("spdep", packageVersion("spdep")), paste("spData", packageVersion("spData")),
             "poly2nb(queen = TRUE); moran.test(alternative='two.sided'); localmoran(conditional=TRUE/FALSE);",
             "localG(x, nb2listw(include.self(nb), style = 'B'|'W')) = Gi*; localG(x, nb2listw(nb, 'B')) = Gi"),
           file.path(out, "versions.txt"))
