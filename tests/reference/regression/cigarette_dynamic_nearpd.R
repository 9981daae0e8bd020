# Why spatialq's two-way dynamic panel differs from SDPDmod 0.0.6: SDPDm inverts its information matrix through
# Matrix::nearPD (default eig.tol = 1e-6), which alters a matrix whose smallest/largest eigenvalue ratio is below
# 1e-6 — the case with two-way effects on the cigarette panel (ratio ~7.9e-7), not with unit effects (~1.4e-6).
# This script runs SDPDm twice, as shipped and with Matrix::nearPD replaced by the identity (the formula as written
# in SDPDmod's own code), and records both: spatialq is compared with the second.
# Usage: Rscript cigarette_dynamic_nearpd.R REFERENCE_DATA_DIR OUTPUT_DIR
suppressPackageStartupMessages({library(SDPDmod); library(Matrix); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
cig <- read.csv(file.path(args[1], "cigarette.csv"))
wm <- as.matrix(read.csv(file.path(args[1], "cigarette_w.csv"), row.names = 1))
wm <- wm / rowSums(wm)
dimnames(wm) <- NULL
cig <- cig[order(cig$state, cig$year), c("state", "year", "logc", "logp", "logy")]
f <- logc ~ logp + logy
fit <- function(model) {
  m <- SDPDm(formula = f, data = cig, W = wm, index = c("state", "year"), model = model, effect = "twoways",
             LYtrans = TRUE, dynamic = TRUE, tlaginfo = list(ind = NULL, tl = TRUE, stl = TRUE))
  list(uncorrected = list(coef = as.list(m$coefficients), se = as.list(m$std), rho = m$rho, rho_se = m$rho.se),
       corrected = list(coef = as.list(m$coefficients1), se = as.list(m$std1), rho = m$rho1, rho_se = m$rho.se1))
}
res <- list(versions = list(R = R.version.string, SDPDmod = as.character(packageVersion("SDPDmod")),
                            Matrix = as.character(packageVersion("Matrix"))))
for (model in c("sdm", "sar")) res[[paste0(model, "_twoways_nearPD")]] <- fit(model)
assignInNamespace("nearPD", function(x, ...) list(mat = Matrix::Matrix(as.matrix(x))), ns = "Matrix")
for (model in c("sdm", "sar")) res[[paste0(model, "_twoways_plain")]] <- fit(model)
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           file.path(args[2], "cigarette_dynamic_nearpd.json"))
