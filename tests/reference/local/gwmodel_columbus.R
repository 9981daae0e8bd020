# Reference values for spatialq.local from R's GWmodel 2.3-2 on the Columbus data (spData, the same data
# as libpysal's columbus example).  Model CRIME ~ INC + HOVAL, coordinates X, Y (the data's own columns).
# Run: Rscript gwmodel_columbus.R  (writes gwmodel_columbus.json and versions.txt)
suppressMessages({library(GWmodel); library(sp); library(jsonlite)})
col <- sf::st_read(system.file("shapes/columbus.shp", package = "spData"), quiet = TRUE)
df <- sf::st_drop_geometry(col)
coords <- cbind(df$X, df$Y)
spdf <- SpatialPointsDataFrame(coords, df[, c("POLYID", "CRIME", "INC", "HOVAL")])
f <- CRIME ~ INC + HOVAL
dm <- gw.dist(coords)
X <- cbind(1, df$INC, df$HOVAL); Y <- df$CRIME
out <- list(polyid = df$POLYID)

fit <- function(bw, kernel, adaptive) {
  g <- gwr.basic(f, spdf, bw = bw, kernel = kernel, adaptive = adaptive)
  s <- as.data.frame(g$SDF)
  list(bw = bw, kernel = kernel, adaptive = adaptive,
       beta = s[, c("Intercept", "INC", "HOVAL")], se = s[, c("Intercept_SE", "INC_SE", "HOVAL_SE")],
       tv = s[, c("Intercept_TV", "INC_TV", "HOVAL_TV")], local_r2 = s$Local_R2,
       aicc = g$GW.diagnostic$AICc, aic = g$GW.diagnostic$AIC, rss = g$GW.diagnostic$RSS.gw,
       r2 = g$GW.diagnostic$gw.R2, adj_r2 = g$GW.diagnostic$gwR2.adj, enp = g$GW.diagnostic$enp,
       edf = g$GW.diagnostic$edf)
}
cases <- list(c("bisquare", TRUE), c("gaussian", TRUE), c("bisquare", FALSE), c("gaussian", FALSE))
for (cs in cases) {
  kernel <- cs[1]; adaptive <- as.logical(cs[2])
  key <- paste0(kernel, if (adaptive) "_adaptive" else "_fixed")
  bw_aicc <- bw.gwr(f, spdf, approach = "AICc", kernel = kernel, adaptive = adaptive)
  bw_cv <- bw.gwr(f, spdf, approach = "CV", kernel = kernel, adaptive = adaptive)
  grid <- if (adaptive) 10:49 else seq(1.0, 20.0, by = 0.5)
  prof_aicc <- sapply(grid, function(b) GWmodel:::gwr.aic(b, X, Y, kernel, adaptive, coords, dMat = dm, verbose = FALSE))
  prof_cv <- sapply(grid, function(b) GWmodel:::gwr.cv(b, X, Y, kernel, adaptive, coords, dMat = dm, verbose = FALSE))
  out[[key]] <- list(bw_aicc = bw_aicc, bw_cv = bw_cv, grid = grid, aicc = prof_aicc, cv = prof_cv,
                     fit_aicc = fit(bw_aicc, kernel, adaptive),
                     fit_grid = fit(if (adaptive) 20 else 5.0, kernel, adaptive))
}
adj <- gwr.t.adjust(gwr.basic(f, spdf, bw = 20, kernel = "bisquare", adaptive = TRUE))
out$bisquare_adaptive$t_adjust_20 <- list(p_by = as.data.frame(adj$SDF)[, c("Intercept_p_by", "INC_p_by", "HOVAL_p_by")])

# MGWR at given bandwidths (adaptive bisquare, no centring, tight backfitting tolerance)
mg <- function(bws, kernel = "bisquare", adaptive = TRUE) {
  m <- gwr.multiscale(f, spdf, kernel = kernel, adaptive = adaptive, criterion = "dCVR", max.iterations = 5000,
                      threshold = 1e-12, bws0 = bws, bw.seled = rep(TRUE, 3), hatmatrix = TRUE,
                      predictor.centered = rep(FALSE, 2), verbose = FALSE)
  s <- as.data.frame(m$SDF)
  list(bws = bws, beta = s[, c("Intercept", "INC", "HOVAL")], se = s[, c("Intercept_SE", "INC_SE", "HOVAL_SE")],
       aicc = m$GW.diagnostic$AICc, rss = m$GW.diagnostic$RSS.gw, r2 = m$GW.diagnostic$R2.val,
       adj_r2 = m$GW.diagnostic$R2adj, enp = m$GW.diagnostic$enp)
}
out$mgwr_fixed_bws <- mg(c(20, 30, 45))
out$mgwr_gaussian_fixed <- mg(c(3, 6, 10), kernel = "gaussian", adaptive = FALSE)
sel <- gwr.multiscale(f, spdf, kernel = "bisquare", adaptive = TRUE, criterion = "dCVR", max.iterations = 2000,
                      threshold = 1e-8, approach = "AICc", predictor.centered = rep(FALSE, 2), verbose = FALSE)
out$mgwr_selected <- list(bws = sel$GW.arguments$bws, aicc = sel$GW.diagnostic$AICc)

# GTWR: GWmodel's gtwr with a supplied space-time distance matrix built as Huang, Wu & Barry (2010):
# d_ij = sqrt(d_s^2 + tau * (t_i - t_j)^2) on a synthetic 49 x 4 panel (Columbus x years 1..4).
set.seed(1)
yrs <- 1:4
pan <- do.call(rbind, lapply(yrs, function(t) data.frame(POLYID = df$POLYID, year = t, X = df$X, Y = df$Y,
                                                           INC = df$INC * (1 + 0.05 * t), HOVAL = df$HOVAL)))
pan$CRIME <- rep(df$CRIME, length(yrs)) + 2 * pan$year + round(rnorm(nrow(pan)), 6)
write.csv(pan, "gtwr_panel.csv", row.names = FALSE)
pc <- cbind(pan$X, pan$Y)
ds2 <- as.matrix(dist(pc))^2
dt2 <- outer(pan$year, pan$year, "-")^2
gt <- function(tau, bw, kernel, adaptive) {
  st <- sqrt(ds2 + tau * dt2)
  spp <- SpatialPointsDataFrame(pc, pan)
  g <- gtwr(f, spp, obs.tv = pan$year, st.bw = bw, kernel = kernel, adaptive = adaptive, st.dMat = st)
  s <- as.data.frame(g$SDF)
  list(tau = tau, bw = bw, kernel = kernel, adaptive = adaptive, beta = s[, c("Intercept", "INC", "HOVAL")],
       se = s[, c("Intercept_SE", "INC_SE", "HOVAL_SE")], aicc = g$GTW.diagnostic$AICc,
       rss = g$GTW.diagnostic$RSS.gw, r2 = g$GTW.diagnostic$gw.R2, enp = g$GTW.diagnostic$enp)
}
out$gtwr <- list(gt(4.0, 6.0, "gaussian", FALSE), gt(10.0, 40, "bisquare", TRUE))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, dataframe = "columns"), "gwmodel_columbus.json")
writeLines(c(R.version.string, paste("GWmodel", packageVersion("GWmodel")), paste("sp", packageVersion("sp")),
             paste("spData", packageVersion("spData")), capture.output(sessionInfo())), "versions.txt")
