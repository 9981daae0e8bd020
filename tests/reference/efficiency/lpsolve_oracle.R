# Independent oracle for tests/test_efficiency.py: efficiency scores of panel.csv by R's lpSolve.
# Radial DEA and SBM are solved in their MULTIPLIER (dual) forms -- spatialq solves the envelopment
# (primal) forms -- so equal optima also check LP duality.  Super-SBM and the directional distance
# function are written out here in envelopment form from the papers (Tone 2002, 2004; Chung et al. 1997).
# Run: Rscript lpsolve_oracle.R  (writes lpsolve_scores.csv, lpsolve_gml.csv, lpsolve_versions.txt)
suppressPackageStartupMessages(library(lpSolve))
d <- read.csv("panel.csv", stringsAsFactors = FALSE)
d <- d[order(d$id, d$year), ]
X <- t(as.matrix(d[, c("x1", "x2")])); Y <- t(as.matrix(d[, "y", drop = FALSE])); B <- t(as.matrix(d[, "b", drop = FALSE]))
m <- nrow(X); s1 <- nrow(Y); s2 <- nrow(B); S <- s1 + s2

solve <- function(dir, obj, A, cd, rhs) {
  r <- lp(dir, obj, A, cd, rhs)
  if (r$status != 0) return(list(ok = FALSE, obj = NA, x = NA))
  list(ok = TRUE, obj = r$objval, x = r$solution)
}

# CCR / BCC input-oriented multiplier form: max u'y0 - u0  s.t. v'x0 = 1, u'Yj - v'Xj - u0 <= 0.
radial_mult <- function(o, ref, vrs) {
  n <- length(ref)
  # variables: v (m), u (s1), u0+ , u0-
  obj <- c(rep(0, m), Y[, o], if (vrs) c(-1, 1) else c(0, 0))
  A <- rbind(c(X[, o], rep(0, s1), 0, 0),
             cbind(-t(X[, ref, drop = FALSE]), t(Y[, ref, drop = FALSE]), if (vrs) -1 else 0, if (vrs) 1 else 0))
  solve("max", obj, A, c("=", rep("<=", n)), c(1, rep(0, n)))$obj
}

# SBM with undesirable outputs, dual of Tone's Charnes-Cooper program:
# max xi s.t. xi + v'x0 - u'y0 + w'b0 - u0 <= 1 ; -v'Xj + u'Yj - w'Bj + u0 <= 0 ;
#             v >= 1/(m x0), u >= xi/(S y0), w >= xi/(S b0), xi >= 0, u0 free (VRS only).
sbm_dual <- function(o, ref, vrs) {
  n <- length(ref); x0 <- X[, o]; y0 <- Y[, o]; b0 <- B[, o]
  nv <- 1 + m + s1 + s2 + 2   # xi, v, u, w, u0+, u0-
  obj <- c(1, rep(0, nv - 1))
  u0 <- if (vrs) c(1, -1) else c(0, 0)
  A <- rbind(c(1, x0, -y0, b0, -u0),
             cbind(0, -t(X[, ref, drop = FALSE]), t(Y[, ref, drop = FALSE]), -t(B[, ref, drop = FALSE]),
                   matrix(rep(u0, each = n), n, 2)))
  lowv <- cbind(0, diag(m), matrix(0, m, s1 + s2 + 2))
  lowu <- cbind(-1 / (S * y0), matrix(0, s1, m), diag(s1), matrix(0, s1, s2 + 2))
  loww <- cbind(-1 / (S * b0), matrix(0, s2, m + s1), diag(s2), matrix(0, s2, 2))
  A <- rbind(A, lowv, lowu, loww)
  rhs <- c(1, rep(0, n), 1 / (m * x0), rep(0, s1 + s2))
  solve("max", obj, A, c("<=", rep("<=", n), rep(">=", m + s1 + s2)), rhs)$obj
}

# Super-SBM (Tone 2002/2004), Charnes-Cooper envelopment form without unit o:
# min t + (1/m) sum S-/x0 s.t. t - (1/S)(sum Sg/y0 + sum Sb/b0) = 1, X L - S- <= t x0,
# Y L + Sg >= t y0, B L - Sb <= t b0, Sg <= t y0.
super_sbm <- function(o, ref) {
  ref <- setdiff(ref, o); n <- length(ref); x0 <- X[, o]; y0 <- Y[, o]; b0 <- B[, o]
  nv <- 1 + n + m + s1 + s2
  obj <- c(1, rep(0, n), 1 / (m * x0), rep(0, s1 + s2))
  A <- rbind(c(1, rep(0, n + m), -1 / (S * y0), -1 / (S * b0)),
             cbind(-x0, X[, ref, drop = FALSE], -diag(m), matrix(0, m, s1 + s2)),
             cbind(-y0, Y[, ref, drop = FALSE], matrix(0, s1, m), diag(s1), matrix(0, s1, s2)),
             cbind(-b0, B[, ref, drop = FALSE], matrix(0, s2, m + s1), -diag(s2)),
             cbind(-y0, matrix(0, s1, n + m), diag(s1), matrix(0, s1, s2)))
  solve("min", obj, A, c("=", rep("<=", m), rep(">=", s1), rep("<=", s2), rep("<=", s1)),
        c(1, rep(0, m + s1 + s2 + s1)))$obj
}

# Oriented SBM in envelopment form (Tone 2001, section 4): input: min 1 - (1/m) sum s-/x0 s.t. X L + s- = x0,
# Y L >= y0, B L <= b0; output: max phi = (1/S)(sum sg/y0 + sum sb/b0) s.t. X L <= x0, Y L - sg = y0,
# B L + sb = b0, score 1/(1 + phi).  VRS adds sum L = 1.
sbm_oriented <- function(o, ref, vrs, orient) {
  n <- length(ref); x0 <- X[, o]; y0 <- Y[, o]; b0 <- B[, o]
  if (orient == "input") {
    obj <- c(rep(0, n), 1 / (m * x0))
    A <- rbind(cbind(X[, ref, drop = FALSE], diag(m)), cbind(Y[, ref, drop = FALSE], matrix(0, s1, m)),
               cbind(B[, ref, drop = FALSE], matrix(0, s2, m)))
    cd <- c(rep("=", m), rep(">=", s1), rep("<=", s2)); rhs <- c(x0, y0, b0)
  } else {
    obj <- c(rep(0, n), 1 / (S * y0), 1 / (S * b0))
    A <- rbind(cbind(X[, ref, drop = FALSE], matrix(0, m, s1 + s2)),
               cbind(Y[, ref, drop = FALSE], -diag(s1), matrix(0, s1, s2)),
               cbind(B[, ref, drop = FALSE], matrix(0, s2, s1), diag(s2)))
    cd <- c(rep("<=", m), rep("=", s1 + s2)); rhs <- c(x0, y0, b0)
  }
  if (vrs) { A <- rbind(A, c(rep(1, n), rep(0, ncol(A) - n))); cd <- c(cd, "="); rhs <- c(rhs, 1) }
  r <- solve("max", obj, A, cd, rhs)
  if (orient == "input") 1 - r$obj else 1 / (1 + r$obj)
}

# BCC output-oriented multiplier form: 1/eta = ... ; eta = min v'x0 + v0 s.t. u'y0 = 1, v'Xj - u'Yj + v0 >= 0.
bcc_output <- function(o, ref) {
  n <- length(ref)
  obj <- c(X[, o], rep(0, s1), 1, -1)
  A <- rbind(c(rep(0, m), Y[, o], 0, 0), cbind(t(X[, ref, drop = FALSE]), -t(Y[, ref, drop = FALSE]), 1, -1))
  solve("min", obj, A, c("=", rep(">=", n)), c(1, rep(0, n)))$obj
}

# Super-SBM under VRS (adds sum L = t to the Charnes-Cooper program).
super_sbm_vrs <- function(o, ref) {
  ref <- setdiff(ref, o); n <- length(ref); x0 <- X[, o]; y0 <- Y[, o]; b0 <- B[, o]
  obj <- c(1, rep(0, n), 1 / (m * x0), rep(0, s1 + s2))
  A <- rbind(c(1, rep(0, n + m), -1 / (S * y0), -1 / (S * b0)),
             cbind(-x0, X[, ref, drop = FALSE], -diag(m), matrix(0, m, s1 + s2)),
             cbind(-y0, Y[, ref, drop = FALSE], matrix(0, s1, m), diag(s1), matrix(0, s1, s2)),
             cbind(-b0, B[, ref, drop = FALSE], matrix(0, s2, m + s1), -diag(s2)),
             cbind(-y0, matrix(0, s1, n + m), diag(s1), matrix(0, s1, s2)),
             c(-1, rep(1, n), rep(0, m + s1 + s2)))
  solve("min", obj, A, c("=", rep("<=", m), rep(">=", s1), rep("<=", s2), rep("<=", s1), "="),
        c(1, rep(0, m + s1 + s2 + s1), 0))$obj
}

# Directional distance function g = (0, y0, -b0), weak disposability of b, CRS:
# max beta s.t. X L <= x0, Y L >= (1 + beta) y0, B L = (1 - beta) b0; beta = bp - bm.
# (vrs = TRUE adds sum L = 1.)
ddf <- function(o, ref, vrs = FALSE) {
  n <- length(ref); x0 <- X[, o]; y0 <- Y[, o]; b0 <- B[, o]
  obj <- c(1, -1, rep(0, n))
  A <- rbind(cbind(0, 0, X[, ref, drop = FALSE]),
             cbind(-y0, y0, Y[, ref, drop = FALSE]),
             cbind(b0, -b0, B[, ref, drop = FALSE]))
  cd <- c(rep("<=", m), rep(">=", s1), rep("=", s2)); rhs <- c(x0, y0, b0)
  if (vrs) { A <- rbind(A, c(0, 0, rep(1, n))); cd <- c(cd, "="); rhs <- c(rhs, 1) }
  r <- solve("max", obj, A, cd, rhs)
  r$obj
}

years <- sort(unique(d$year)); all <- seq_len(nrow(d))
out <- data.frame(id = d$id, year = d$year)
for (o in all) {
  own <- which(d$year == d$year[o])
  out$ccr[o] <- radial_mult(o, own, FALSE)
  out$bcc[o] <- radial_mult(o, own, TRUE)
  out$sbm_crs[o] <- sbm_dual(o, own, FALSE)
  out$sbm_vrs[o] <- sbm_dual(o, own, TRUE)
  out$sbm_global[o] <- sbm_dual(o, all, FALSE)
  out$super_sbm_crs[o] <- if (out$sbm_crs[o] > 1 - 1e-9) super_sbm(o, own) else out$sbm_crs[o]
  out$super_sbm_vrs[o] <- if (out$sbm_vrs[o] > 1 - 1e-9) super_sbm_vrs(o, own) else out$sbm_vrs[o]
  out$sbm_input_vrs[o] <- sbm_oriented(o, own, TRUE, "input")
  out$sbm_output_crs[o] <- sbm_oriented(o, own, FALSE, "output")
  out$bcc_output[o] <- 1 / bcc_output(o, own)
  out$ddf_own[o] <- ddf(o, own)
  out$ddf_global[o] <- ddf(o, all)
  k <- match(d$year[o], years)
  out$ddf_prev[o] <- if (k > 1) ddf(o, which(d$year == years[k - 1])) else NA
  out$ddf_next[o] <- if (k < length(years)) ddf(o, which(d$year == years[k + 1])) else NA
  out$ddf_vrs_own[o] <- ddf(o, own, TRUE)
  out$ddf_vrs_prev[o] <- if (k > 1) ddf(o, which(d$year == years[k - 1]), TRUE) else NA
  out$ddf_vrs_next[o] <- if (k < length(years)) ddf(o, which(d$year == years[k + 1]), TRUE) else NA
}
write.csv(format(out, digits = 17), "lpsolve_scores.csv", row.names = FALSE, quote = FALSE)

# GML (Oh 2010) and ML (Chung et al. 1997) from the DDF distances, and SBM-GML from the SBM scores.
rows <- list()
for (u in unique(d$id)) for (k in seq_len(length(years) - 1)) {
  a <- out[out$id == u & out$year == years[k], ]; b <- out[out$id == u & out$year == years[k + 1], ]
  gml <- (1 + a$ddf_global) / (1 + b$ddf_global); ec <- (1 + a$ddf_own) / (1 + b$ddf_own)
  ml <- sqrt(((1 + a$ddf_own) / (1 + b$ddf_prev)) * ((1 + a$ddf_next) / (1 + b$ddf_own)))
  tc <- sqrt(((1 + b$ddf_own) / (1 + b$ddf_prev)) * ((1 + a$ddf_next) / (1 + a$ddf_own)))
  sgml <- b$sbm_global / a$sbm_global; sec <- b$sbm_crs / a$sbm_crs
  rows[[length(rows) + 1]] <- data.frame(id = u, year_from = years[k], year = years[k + 1], gml = gml, ec = ec,
                                         bpc = gml / ec, ml = ml, ml_ec = ec, tc = tc, sbm_gml = sgml,
                                         sbm_ec = sec, sbm_bpc = sgml / sec)
}
write.csv(format(do.call(rbind, rows), digits = 17), "lpsolve_gml.csv", row.names = FALSE, quote = FALSE)
writeLines(c(R.version.string, paste("lpSolve", as.character(packageVersion("lpSolve")))), "lpsolve_versions.txt")
