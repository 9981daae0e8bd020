# Independent oracle for spatialq.efficiency: the CRAN package DJL (Dong-Joon Lim), solved by lpSolveAPI.
#
# Reads panel.csv (10 units x 3 years; inputs x1, x2, good output y, bad output b) and, year by year
# (contemporaneous frontier), runs DJL's own functions:
#   dm.sbm  : SBM (Tone 2001), orientation "n" / "i" / "o", rts crs / vrs; se = TRUE is Tone's (2002) super-SBM
#             (x_bar >= x_o, x_bar >= X lambda, y_bar <= y_o, y_bar <= Y lambda, lambda_o = 0).
#             With the bad output b passed as the output column -b, the input-oriented SBM is exactly
#             Tone's (2004) input-oriented SBM with undesirable outputs (B lambda <= b_o, bad slack not scored;
#             only valid for orientation "i", whose objective does not use the outputs).
#   dm.dea  : radial CCR/BCC envelopment model; orientation "i" gives theta, "o" gives eta (>= 1).
#   dm.sf   : Luenberger's shortage function = the radial directional distance function
#             max beta s.t. X lambda <= x_o - beta g_x, Y lambda >= y_o + beta g_y (beta free, g in data units,
#             not normalised).  g = (0, y_o) is spatialq's direction "output", g = (x_o, y_o) is "both".
#             wd = c(0, 1) makes b weakly disposable: B lambda = b_o - beta b_o (spatialq's g_b = -b_o).
#             Under VRS DJL's weak disposability is Kuosmanen's (2005) (sum(lambda + mu) = 1), not spatialq's
#             sum(lambda) = 1: the script still writes it (model ddf_*_vrs_bad_kuosmanen) for an inequality test.
#   dm.ddf  : DJL's DDF is the NON-radial one of Fare & Grosskopf (2010): one factor per input and output,
#             maximise their sum.  Written for direction (x_o, y_o) only (with g_x = 0 it is unbounded);
#             used in an inequality test (it is >= (m + s) * radial beta).
# Each LP's lpSolveAPI status (phase 1) is recorded by tracing solve.lpExtPtr (0 optimal, 2 infeasible,
# 3 unbounded); DJL itself does not check it.
#
# Output: djl_scores.csv (model, id, year, value, status; 17 significant digits), djl_versions.txt.
# Regenerate: cd tests/reference/efficiency && Rscript djl_oracle.R   (needs DJL 3.9, lpSolveAPI, car).
suppressPackageStartupMessages(library(DJL))

panel <- read.csv("panel.csv", stringsAsFactors = FALSE)
panel <- panel[order(panel$year, panel$id), ]

.djl_status <- integer(0)
invisible(trace("solve.lpExtPtr", where = asNamespace("DJL"), print = FALSE,
                       exit = quote(.djl_status <<- c(.djl_status, returnValue()))))

run <- function(f, k, ...) {
  assign(".djl_status", integer(0), envir = .GlobalEnv)
  r <- f(..., o = k)
  st <- get(".djl_status", envir = .GlobalEnv)
  list(value = r$eff[k], status = st[1])
}

rows <- list()
add <- function(model, ids, yr, vals, st) {
  rows[[length(rows) + 1]] <<- data.frame(model = model, id = ids, year = yr,
                                          value = sprintf("%.17g", vals), status = st)
}

for (yr in sort(unique(panel$year))) {
  d <- panel[panel$year == yr, ]
  X <- as.matrix(d[, c("x1", "x2")])
  Y <- as.matrix(d[, "y", drop = FALSE])
  YB <- as.matrix(d[, c("y", "b")])
  Yneg <- cbind(d$y, -d$b)
  n <- nrow(d)
  each <- function(model, f, ...) {
    out <- lapply(seq_len(n), function(k) run(f, k, ...))
    add(model, d$id, yr, sapply(out, `[[`, "value"), sapply(out, `[[`, "status"))
  }
  for (rts in c("crs", "vrs")) {
    for (ori in c("n", "i", "o")) {
      each(sprintf("sbm_%s_%s", ori, rts), dm.sbm, X, Y, rts = rts, orientation = ori)
      each(sprintf("supersbm_%s_%s", ori, rts), dm.sbm, X, Y, rts = rts, orientation = ori, se = TRUE)
    }
    each(sprintf("sbm_i_%s_bad", rts), dm.sbm, X, Yneg, rts = rts, orientation = "i")
    each(sprintf("dea_i_%s", rts), dm.dea, X, Y, rts = rts, orientation = "i")
    each(sprintf("dea_o_%s", rts), dm.dea, X, Y, rts = rts, orientation = "o")
    each(sprintf("ddf_output_%s", rts), dm.sf, X, Y, rts = rts, g = cbind(0 * X, Y))
    each(sprintf("ddf_both_%s", rts), dm.sf, X, Y, rts = rts, g = cbind(X, Y))
    bad <- if (rts == "crs") "bad" else "bad_kuosmanen"
    each(sprintf("ddf_output_%s_%s", rts, bad), dm.sf, X, YB, rts = rts, g = cbind(0 * X, YB), wd = c(0, 1))
    each(sprintf("ddf_both_%s_%s", rts, bad), dm.sf, X, YB, rts = rts, g = cbind(X, YB), wd = c(0, 1))
    each(sprintf("nonradial_ddf_both_%s", rts), dm.ddf, X, Y, rts = rts, g = cbind(X, Y))
  }
}
out <- do.call(rbind, rows)
write.csv(out, "djl_scores.csv", row.names = FALSE, quote = FALSE)
writeLines(c(R.version.string,
             paste("DJL", as.character(packageVersion("DJL"))),
             paste("lpSolveAPI", as.character(packageVersion("lpSolveAPI"))),
             paste("car", as.character(packageVersion("car")))), "djl_versions.txt")
