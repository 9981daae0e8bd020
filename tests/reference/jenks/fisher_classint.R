# Reference Fisher-Jenks breaks from R classInt (style = "fisher", the exact optimum of Fisher 1958
# via Hartigan's algorithm), used by tests/test_detector.py::test_jenks_equals_classint.
# classInt samples above `largeN` values (default 3000): largeN is set above n so every break is exact.
# Run:  Rscript fisher_classint.R   (writes fisher_<dataset>.txt, one value a line, and fisher_breaks.csv here)
suppressPackageStartupMessages(library(classInt))
set.seed(20240514)
data <- list(
  lognormal_6000 = round(rlnorm(6000, meanlog = 0, sdlog = 0.8), 4),
  mixture_3000 = round(c(rnorm(1500, 10, 2), rnorm(1000, 20, 3), rnorm(500, 35, 5)), 2),
  integers_2000 = sample(0:40, 2000, replace = TRUE)
)
ks <- list(lognormal_6000 = c(5, 7), mixture_3000 = c(5), integers_2000 = c(4, 6))
for (d in names(data)) writeLines(format(data[[d]], scientific = FALSE, trim = TRUE, drop0trailing = TRUE),
                                   paste0("fisher_", d, ".txt"))
out <- list()
for (d in names(data)) {
  x <- data[[d]]
  for (k in ks[[d]]) {
    ci <- classIntervals(x, n = k, style = "fisher", largeN = length(x) + 1L)
    # class index of every value (intervals closed on the left, the last one on both sides)
    cls <- findCols(ci)
    upper <- tapply(x, cls, max)  # the largest value of each class: the breaks as spatialq returns them
    out[[length(out) + 1]] <- data.frame(dataset = d, k = k, class = seq_len(k), upper = as.numeric(upper),
                                         brk = ci$brks[-1], n = as.integer(table(factor(cls, levels = 1:k))))
  }
}
write.csv(do.call(rbind, out), "fisher_breaks.csv", row.names = FALSE)
writeLines(c(R.version.string, paste("classInt", as.character(packageVersion("classInt")))), "versions.txt")
