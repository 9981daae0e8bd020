# Reference bandwidths for spatialq.density.bandwidth (tests/test_density.py).
# Rscript bandwidth.R > bandwidth_R.csv
x1 <- c(1, 2, 3, 4, 10)
x2 <- c(0.5, 0.5, 0.5, 0.5, 2, 7.25, 3.1)
x3 <- c(5, 5, 5, 5, 5, 6)           # IQR = 0: bw.nrd0 falls back to sd
cat("sample,rule,bw\n")
for (nm in c("x1", "x2", "x3")) {
  x <- get(nm)
  cat(sprintf("%s,silverman,%.17g\n", nm, bw.nrd0(x)))
  cat(sprintf("%s,scott_sd_only,%.17g\n", nm, 1.06 * sd(x) * length(x)^(-1/5)))
}
cat(sprintf("# %s\n", R.version.string))
