# Noncentral-F tail probabilities with R's pf(ncp=) for spatialq.detector (tests/test_detector.py).
# Input rows: F, df1, df2, ncp (as computed from the CollectData factor detector and extra cases).
# Usage: Rscript ncf_pvalues.R   (reads ncf_inputs.csv, writes ncf_R.csv)
x <- read.csv("ncf_inputs.csv")
x$p_R <- pf(x$F, df1 = x$df1, df2 = x$df2, ncp = x$ncp, lower.tail = FALSE)
write.csv(x, "ncf_R.csv", row.names = FALSE)
writeLines(R.version.string, "versions.txt")
