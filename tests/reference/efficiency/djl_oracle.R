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
# Output: djl_scores.csv (model, id, year, value, status; 17 significant digits), djl_tone_examples.csv (DJL's
# own dm.sbm examples from Tone 2001/2002, see the end of this script), djl_versions.txt.
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

# DJL's own examples of dm.sbm (man/dm.sbm.Rd), which its author states reproduce Table 2 of Tone (2001) and
# Tables 1 and 4 of Tone (2002): SBM and super-SBM (se = TRUE) of each unit, CRS, non-oriented and input-oriented.
tone <- list(
  tone2001_t2 = list(X = data.frame(x1 = c(4, 6, 8, 8, 2), x2 = c(3, 3, 1, 1, 4)),
                     Y = data.frame(y1 = c(2, 2, 6, 6, 1), y2 = c(3, 3, 2, 1, 4))),
  tone2002_t1 = list(X = data.frame(x1 = c(4, 7, 8, 4, 2, 10, 12), x2 = c(3, 3, 1, 2, 4, 1, 1)),
                     Y = data.frame(y1 = c(1, 1, 1, 1, 1, 1, 1))),
  tone2002_t4 = list(X = data.frame(x1 = c(80, 65, 83, 40, 52, 94), x2 = c(600, 200, 400, 1000, 600, 700),
                                    x3 = c(54, 97, 72, 75, 20, 36), x4 = c(8, 1, 4, 7, 3, 5)),
                     Y = data.frame(y1 = c(90, 58, 60, 80, 72, 96), y2 = c(5, 1, 7, 10, 8, 6))))
ex <- list()
for (name in names(tone)) {
  X <- as.matrix(tone[[name]]$X)
  Y <- as.matrix(tone[[name]]$Y)
  for (ori in c("n", "i")) {
    for (k in seq_len(nrow(X))) {
      a <- run(dm.sbm, k, X, Y, rts = "crs", orientation = ori)
      b <- run(dm.sbm, k, X, Y, rts = "crs", orientation = ori, se = TRUE)
      ex[[length(ex) + 1]] <- data.frame(example = name, orientation = ori, id = LETTERS[k],
                                         sbm = sprintf("%.17g", a$value), super = sprintf("%.17g", b$value),
                                         status = max(a$status, b$status))
    }
  }
}
write.csv(do.call(rbind, ex), "djl_tone_examples.csv", row.names = FALSE, quote = FALSE)
write.csv(out, "djl_scores.csv", row.names = FALSE, quote = FALSE)
writeLines(c(R.version.string,
             paste("DJL", as.character(packageVersion("DJL"))),
             paste("lpSolveAPI", as.character(packageVersion("lpSolveAPI"))),
             paste("car", as.character(packageVersion("car")))), "djl_versions.txt")
