# Reference for spatialq.density_conditional.stochastic_kernel (kind = "dynamic", kernel = "product"):
# the joint density of (relative value in t, relative value in t + 1) by MASS::kde2d, a product Gaussian
# kernel (kde2d's h is four times the kernel standard deviation), with the bandwidths of scipy's Scott
# factor n^(-1/6) times sd (ddof 1), on the grid x: pairs ± 4 sd, y: pairs ± 4 sd, 50 points each;
# conditional f(y | x) = f(x, y) / f(x) with f(x) the 1-D Gaussian kernel density of the x values.
# Run: Rscript stochastic_kernel.R  (writes stochastic_kernel_R.csv and stochastic_kernel_versions.txt)
library(MASS)
d <- read.csv("stochastic_kernel_panel.csv")
d$rel <- d$v / ave(d$v, d$year)
nxt <- data.frame(id = d$id, year = d$year - 1, y = d$rel)
p <- merge(data.frame(id = d$id, year = d$year, x = d$rel), nxt, by = c("id", "year"))
n <- nrow(p)
f <- n^(-1 / 6)
hx <- f * sd(p$x)
hy <- f * sd(p$y)
lims <- c(min(p$x) - 4 * hx, max(p$x) + 4 * hx, min(p$y) - 4 * hy, max(p$y) + 4 * hy)
k <- kde2d(p$x, p$y, h = 4 * c(hx, hy), n = 50, lims = lims)
fx <- rowMeans(dnorm(outer(k$x, p$x, "-") / hx)) / hx
cond <- k$z / fx
out <- data.frame(x = rep(k$x, times = 50), y = rep(k$y, each = 50), joint = as.vector(k$z),
                  conditional = as.vector(cond))
write.csv(format(out, digits = 17), "stochastic_kernel_R.csv", row.names = FALSE, quote = FALSE)
writeLines(c(R.version.string, paste("MASS", as.character(packageVersion("MASS"))), paste("pairs", n),
             sprintf("hx %.17g hy %.17g", hx, hy)), "stochastic_kernel_versions.txt")
