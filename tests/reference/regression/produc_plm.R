# Reference values for spatialq.panel (tests/test_panel.py): non-spatial fixed-effects
# ("within") estimates of the Munnell production function on plm's Produc data, which
# ../shared/reference-data/produc.csv reproduces.  log(gsp) ~ log(pcap) + log(pc) + log(emp) + unemp.
# Usage: Rscript produc_plm.R OUTPUT_DIR
suppressPackageStartupMessages({library(plm); library(jsonlite)})
out <- commandArgs(trailingOnly = TRUE)[1]
data("Produc", package = "plm")
f <- log(gsp) ~ log(pcap) + log(pc) + log(emp) + unemp
res <- list(versions = list(R = R.version.string, plm = as.character(packageVersion("plm"))))
for (eff in c("individual", "time", "twoways")) {
  m <- plm(f, data = Produc, index = c("state", "year"), model = "within", effect = eff)
  s <- summary(m)
  ft <- pFtest(m, lm(f, data = Produc))
  res[[eff]] <- list(coef = as.list(coef(m)), se = as.list(s$coefficients[, 2]),
                     ssr = sum(residuals(m)^2), df_resid = df.residual(m),
                     F_effects = unname(ft$statistic), F_df = unname(ft$parameter), F_p = ft$p.value)
}
clean <- function(x) if (is.list(x)) lapply(x, clean) else as.vector(unclass(x))
writeLines(toJSON(clean(res), auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(out, "produc_plm.json"))
