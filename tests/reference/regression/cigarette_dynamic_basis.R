# The orthonormal basis SDPDmod 0.0.6 uses for the two-way (time-effect) transformation of the dynamic model:
# demeanF(effect = "time") takes the first n - 1 eigenvectors of J_n = I_n - 11'/n from eigen(), exactly as below
# (SDPDmod/R/demeaning.R). J_n has one eigenvalue 1 of multiplicity n - 1, so this basis is whatever LAPACK returns;
# the likelihood and estimates do not depend on it, but Lee & Yu's (2010) fourth-moment term Omega (sum of squared
# diagonal entries of F'GF, fourth moment of the transformed residuals) does. spatialq uses the Helmert basis; the
# test swaps in this basis to show the remaining difference from SDPDmod's standard errors is the basis alone.
# Usage: Rscript cigarette_dynamic_basis.R REFERENCE_DATA_DIR OUTPUT_DIR
suppressPackageStartupMessages({library(Matrix); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
cig <- read.csv(file.path(args[1], "cigarette.csv"))
nv <- length(unique(cig$state))
Jn <- Matrix::Matrix(diag(nv), sparse = TRUE) - matrix(1/nv, nrow = nv, ncol = nv)
Fnn <- eigen(Jn)$vectors
f <- Fnn[, 1:(nv - 1)]
res <- list(versions = list(R = R.version.string, Matrix = as.character(packageVersion("Matrix")),
                            SDPDmod = as.character(packageVersion("SDPDmod")), La_version = La_version()),
            states = sort(unique(cig$state)), basis = f)
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, matrix = "rowmajor"),
           file.path(args[2], "cigarette_dynamic_basis.json"))
