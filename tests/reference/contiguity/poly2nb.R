# Queen and rook contiguity of the bundled spatialq boundaries with spdep::poly2nb.
# Independent reference for spatialq.weights.contiguity (tests/test_weights.py).
# Usage: Rscript poly2nb.R INPUT_DIR OUTPUT_DIR   (INPUT_DIR from export_shapes.py)
suppressPackageStartupMessages({library(sf); library(spdep)})
sf_use_s2(FALSE)  # planar predicates on lon/lat, as GeoDa and libpysal do for contiguity
args <- commandArgs(trailingOnly = TRUE)
indir <- args[1]; outdir <- args[2]
rows <- list()
for (level in c("provinces", "prefectures", "counties")) {
  x <- st_read(file.path(indir, paste0(level, ".gpkg")), quiet = TRUE)
  for (queen in c(TRUE, FALSE)) {
    nb <- poly2nb(x, queen = queen, snap = 0)  # snap = 0: exact shared coordinates
    i <- rep(seq_along(nb), card(nb))
    j <- unlist(nb[card(nb) > 0])
    keep <- i < j
    rows[[length(rows) + 1]] <- data.frame(level = level, rule = ifelse(queen, "queen", "rook"),
                                           a = x$adcode[i[keep]], b = x$adcode[j[keep]])
  }
}
out <- do.call(rbind, rows)
write.csv(out, file.path(outdir, "poly2nb_pairs.csv"), row.names = FALSE, quote = FALSE)
writeLines(c(R.version.string, paste("spdep", packageVersion("spdep")), paste("sf", packageVersion("sf")),
             paste("GEOS", sf_extSoftVersion()[["GEOS"]]), "poly2nb(queen = TRUE/FALSE, snap = 0), sf_use_s2(FALSE)"),
           file.path(outdir, "versions.txt"))
