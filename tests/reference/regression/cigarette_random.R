# Reference values for spatialq.panel.spatial_panel_re and spatial_hausman on Elhorst's cigarette panel
# (46 states x 30 years, ln C ~ ln P + ln Y), for tests/test_panel_random.py.
# * splm 1.6-5 spml(model = "random", effect = "individual"): lag = TRUE, spatial.error = "none" (RE SAR,
#   spreml errors = "re" -> sarREmod) and lag = FALSE, spatial.error = "b" (RE SEM of Baltagi, Song & Koh 2003,
#   errors = "semre" -> semREmod); default start (zeros), nlminb.
#   SEs: beta from sigma2 (X' Sigma^-1 X)^-1 at the optimum; phi and the spatial parameter from the inverse of
#   nlme::fdHess of the concentrated log-likelihood in (phi, lambda/rho).
# * sphtest(..., method = "ML"): Hausman test of the RE model against the FE ("within", method = "eigen") model
#   with the same spatial specification (Mutl & Pfaffermayr 2011), on the slope coefficients.
# * W: row-standardised binary contiguity (cigarette_w.csv).
# splm names the lag coefficient "lambda" and the error coefficient "rho" (spatialq: rho and lambda).
# Data: ../shared/reference-data/cigarette.csv, cigarette_w.csv (not copied into the repository).
# Usage: Rscript cigarette_random.R REFERENCE_DATA_DIR OUTPUT_DIR
suppressPackageStartupMessages({library(splm); library(spdep); library(plm); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
cig <- read.csv(file.path(args[1], "cigarette.csv"))
wm <- as.matrix(read.csv(file.path(args[1], "cigarette_w.csv"), row.names = 1))
lw <- mat2listw(wm, style = "W")
cig <- cig[order(cig$state, cig$year), ]
pd <- pdata.frame(cig[, c("state", "year", "logc", "logp", "logy")], index = c("state", "year"))
f <- logc ~ logp + logy
fit <- function(lag, err) {
  m <- spml(f, data = pd, listw = lw, model = "random", effect = "individual", lag = lag, spatial.error = err,
            quiet = TRUE)
  ct <- summary(m)$CoefTable
  sp <- c(m$errcomp, m$arcoef)
  vsp <- c(diag(as.matrix(m$vcov.errcomp)), if (lag) diag(as.matrix(m$vcov.arcoef)))
  names(vsp) <- names(sp)
  list(coef = as.list(ct[, 1]), se = as.list(ct[, 2]), spatial = as.list(sp), spatial_se = as.list(sqrt(vsp)),
       logLik = as.numeric(m$logLik),
       sigma2_idios = as.numeric(m$sigma2$idios), sigma2_id = as.numeric(m$sigma2$id))
}
hausman <- function(model) {
  # errors = "BSK": the "b" error model of Baltagi, Song & Koh (sphtest's default, "KKP", is splm's
  # spatial.error = "kkp" of Kapoor, Kelejian & Prucha, which spatialq does not estimate)
  h <- sphtest(f, data = pd, listw = lw, spatial.model = model, method = "ML", errors = "BSK")
  list(statistic = as.numeric(h$statistic), df = as.numeric(h$parameter), p = as.numeric(h$p.value))
}
res <- list(versions = list(R = R.version.string, splm = as.character(packageVersion("splm")),
                            spdep = as.character(packageVersion("spdep")), plm = as.character(packageVersion("plm")),
                            nlme = as.character(packageVersion("nlme"))))
res$sar_random <- fit(TRUE, "none")
res$sem_random <- fit(FALSE, "b")
res$hausman_lag <- hausman("lag")
res$hausman_error <- hausman("error")
res$sessionInfo <- paste(capture.output(sessionInfo()), collapse = "\n")
rapply_ <- function(x) if (is.list(x)) lapply(x, rapply_) else as.vector(unclass(x))
writeLines(toJSON(rapply_(res), auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(args[2], "cigarette_random.json"))
