# Reference values for spatialq.panel.dynamic_panel on Elhorst's cigarette panel (46 states x 30 years,
# ln C ~ ln P + ln Y): SDPDmod 0.0.6 SDPDm(..., dynamic = TRUE, LYtrans = TRUE,
# tlaginfo = list(ind = NULL, tl = TRUE, stl = TRUE)), model "sdm" / "sar", effect "individual" / "twoways".
# W: row-standardised binary contiguity (cigarette_w.csv).
# SDPDmod conventions recorded here (read from its source, see the JSON keys):
# * the first period is dropped (y_{t-1} built from the data), so t = T - 1 = 29 periods enter;
# * rho maximises the concentrated likelihood with stats::optimize() over a grid of log-determinants
#   (step 0.001, nearest grid value), so rho is only good to ~1e-4; coefficients are bo - rho * bd;
# * "uncorrected" = coefficients/rho/sige/std/likl; "corrected" = coefficients1/rho1/sige1/std1/likl1
#   (Yu, de Jong & Lee 2008 / Lee & Yu 2010 bias correction); the log-likelihoods use the grid log-determinant,
#   so the exact ln|I - rho W| at each rho (and at the grid point used) is written alongside;
# * sige = e'e / (n t) (n = N, or N - 1 with two-way effects after the time transformation).
# Data: ../shared/reference-data/cigarette.csv, cigarette_w.csv (not copied into the repository).
# Usage: Rscript cigarette_dynamic.R REFERENCE_DATA_DIR OUTPUT_DIR
suppressPackageStartupMessages({library(SDPDmod); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
cig <- read.csv(file.path(args[1], "cigarette.csv"))
wm <- as.matrix(read.csv(file.path(args[1], "cigarette_w.csv"), row.names = 1))
wm <- wm / rowSums(wm)
dimnames(wm) <- NULL
cig <- cig[order(cig$state, cig$year), c("state", "year", "logc", "logp", "logy")]
f <- logc ~ logp + logy
exact_ld <- function(rho) as.numeric(determinant(diag(nrow(wm)) - rho * wm, logarithm = TRUE)$modulus)
fit <- function(model, effect) {
  m <- SDPDm(formula = f, data = cig, W = wm, index = c("state", "year"), model = model, effect = effect,
             LYtrans = TRUE, dynamic = TRUE, tlaginfo = list(ind = NULL, tl = TRUE, stl = TRUE))
  list(uncorrected = list(coef = as.list(m$coefficients), se = as.list(m$std), rho = m$rho, rho_se = m$rho.se,
                          sige = m$sige, logLik = m$likl, logdet_exact = exact_ld(m$rho)),
       corrected = list(coef = as.list(m$coefficients1), se = as.list(m$std1), rho = m$rho1, rho_se = m$rho.se1,
                        sige = m$sige1, logLik = m$likl1, logdet_exact = exact_ld(m$rho1)),
       wald_stability = m$Waldt, wald_p = m$pWald, interval = m$interval,
       varcov_corrected = unname(m$varcov))
}
res <- list(versions = list(R = R.version.string, SDPDmod = as.character(packageVersion("SDPDmod"))))
for (model in c("sdm", "sar")) for (effect in c("individual", "twoways"))
  res[[paste0(model, "_", effect)]] <- fit(model, effect)
res$sessionInfo <- paste(capture.output(sessionInfo()), collapse = "\n")
rapply_ <- function(x) if (is.list(x)) lapply(x, rapply_) else if (is.matrix(x)) x else as.vector(unclass(x))
writeLines(toJSON(rapply_(res), auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(args[2], "cigarette_dynamic.json"))
