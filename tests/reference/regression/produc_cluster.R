# Cluster-robust standard errors of a two-way within regression (Munnell's production function on Produc):
# plm's vcovHC(type = "sss", cluster = "group"), i.e. G/(G-1)(n-1)/(n-k) with k the within regressors, for
# spatialq._ols (which uses Stata areg's (n-1)/(n-k-a), a = N + T - 1 absorbed effects; tests/test_panel.py).
# Data: ../shared/reference-data/produc.csv (plm's Produc).  Usage: Rscript produc_cluster.R DATA_DIR OUTPUT_DIR
suppressPackageStartupMessages({library(plm); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
p <- read.csv(file.path(args[1], "produc.csv"))
out <- list(versions = list(R = R.version.string, plm = as.character(packageVersion("plm"))))
for (eff in c("twoways", "individual")) {
  m <- plm(log(gsp) ~ log(pcap) + log(pc) + log(emp) + unemp, data = p, index = c("state", "year"),
           model = "within", effect = eff)
  out[[eff]] <- list(coef = as.list(coef(m)), se_sss = as.list(sqrt(diag(vcovHC(m, type = "sss", cluster = "group")))),
                     n = nobs(m))
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(args[2], "produc_cluster.json"))
