# Reference values for spatialq.network.qap (tests/test_qap.py) from R's sna (Butts):
#   gcor + qaptest  -> QAP correlation and its permutation p-values
#   netlm           -> MRQAP: OLS on off-diagonal cells (diag = FALSE, mode = "digraph") with
#                      nullhyp = "qapspp" (Dekker, Krackhardt & Snijders 2007 double semi-partialling)
#                      and nullhyp = "qapy", test.statistic = "t-value" and "beta".
# Data: a synthetic 24-node "association network" (binary y, binarised at each row's mean as in the
# gravity-network literature) explained by a geographic adjacency matrix, a GDP-gap matrix and an
# asymmetric flow matrix; plus a continuous y for the exact coefficients.  Matrices are written to
# qap_*.csv (row/column names are the node ids) so the Python tests read exactly these numbers.
# Usage (from this directory): Rscript qap_sna.R   -> qap_*.csv, qap_sna.json, qap_versions.txt
suppressMessages(library(sna))
suppressMessages(library(jsonlite))
set.seed(20261201)
n <- 24
ids <- sprintf("n%02d", 1:n)
xy <- cbind(runif(n), runif(n))
d <- as.matrix(dist(xy))
adj <- (d < 0.3) * 1; diag(adj) <- 0
gdp <- rlnorm(n, 0, 0.6)
gap <- abs(outer(gdp, gdp, "-")); diag(gap) <- 0
flow <- matrix(rexp(n * n), n, n); diag(flow) <- 0
latent <- 0.15 * adj - 0.06 * gap + 0.03 * flow + matrix(rnorm(n * n, 0, 1), n, n)
diag(latent) <- NA
ybin <- (latent > rowMeans(latent, na.rm = TRUE)) * 1; diag(ybin) <- 0
ycont <- latent; diag(ycont) <- 0
wr <- function(m, f) { dimnames(m) <- list(ids, ids); write.csv(m, f) }
wr(ybin, "qap_y.csv"); wr(ycont, "qap_ycont.csv"); wr(adj, "qap_adj.csv"); wr(gap, "qap_gap.csv")
wr(flow, "qap_flow.csv")
xs <- list(adj = adj, gap = gap, flow = flow)
X <- array(0, c(3, n, n)); for (k in 1:3) X[k, , ] <- xs[[k]]

reps <- as.integer(Sys.getenv("QAP_REPS", "20000"))
out <- list(reps = reps, n = n)
cors <- list()
for (k in names(xs)) {
  set.seed(1)
  q <- qaptest(list(ybin, xs[[k]]), gcor, g1 = 1, g2 = 2, reps = reps)
  cors[[k]] <- list(r = q$testval, pgreq = q$pgreq, pleeq = q$pleeq,
                    pabs = mean(abs(q$dist) >= abs(q$testval)), dist_mean = mean(q$dist), dist_sd = sd(q$dist))
}
out$gcor <- cors

fitsum <- function(f) {
  mss <- sum((f$fitted.values - mean(f$fitted.values))^2); rss <- sum(f$residuals^2)
  r2 <- mss / (mss + rss); qn <- f$n; rdf <- qn - f$rank
  list(coef = unname(f$coefficients), tstat = unname(f$tstat), pleeq = unname(f$pleeq),
       pgreq = unname(f$pgreq), pgreqabs = unname(f$pgreqabs), r2 = r2,
       adj_r2 = 1 - (1 - r2) * ((qn - 1) / rdf), n = f$n, nullhyp = f$nullhyp, reps = NROW(f$dist))
}
set.seed(2); out$netlm_spp_t <- fitsum(netlm(ybin, X, nullhyp = "qapspp", test.statistic = "t-value", reps = reps))
set.seed(3); out$netlm_spp_beta <- fitsum(netlm(ybin, X, nullhyp = "qapspp", test.statistic = "beta", reps = reps))
set.seed(4); out$netlm_y_t <- fitsum(netlm(ybin, X, nullhyp = "qapy", test.statistic = "t-value", reps = reps))
set.seed(5); out$netlm_cont <- fitsum(netlm(ycont, X, nullhyp = "qapspp", reps = 2000))
set.seed(6); out$netlm_one <- fitsum(netlm(ycont, gap, nullhyp = "qapspp", reps = 2000))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "qap_sna.json")
writeLines(c(R.version.string, paste("sna", packageVersion("sna")), paste("network", packageVersion("network")),
             paste("jsonlite", packageVersion("jsonlite"))), "qap_versions.txt")
