# Reference values for spatialq.network (measures and CONCOR).
# Run from this directory:  Rscript measures.R
# Inputs: adjacency matrices <name>.csv (rows send, columns receive) written by the spatialq tests' generator
# (seeded, see tests/test_network.py) and Padgett's Florentine marriage network from R's `network` package.
# Output: measures.json, concor.json, flo.csv, versions.txt
suppressPackageStartupMessages({library(sna); library(igraph); library(network); library(jsonlite)})

nets <- c("bth13", "bth13_weak", "sparse15", "random30")
out <- list()
for (nm in nets) {
  a <- as.matrix(read.csv(paste0(nm, ".csv"), header = FALSE))
  dimnames(a) <- NULL
  n <- nrow(a)
  g <- graph_from_adjacency_matrix(a, mode = "directed")
  u <- as.undirected(g, mode = "collapse")
  out[[nm]] <- list(
    n = n,
    edges = sum(a),
    density = sna::gden(a, mode = "digraph"),
    connectedness = sna::connectedness(a),
    hierarchy = sna::hierarchy(a, measure = "krackhardt"),
    efficiency = sna::efficiency(a),
    reciprocity = sna::grecip(a, measure = "dyadic.nonnull"),
    average_path_length = mean_distance(g, directed = TRUE, unconnected = TRUE),
    average_clustering = transitivity(u, type = "average", isolates = "zero"),
    out_degree = sna::degree(a, gmode = "digraph", cmode = "outdegree"),
    in_degree = sna::degree(a, gmode = "digraph", cmode = "indegree"),
    degree = sna::degree(a, gmode = "digraph", cmode = "freeman"),
    degree_centrality = as.numeric(igraph::degree(u)) / (n - 1),
    closeness_out = sna::closeness(a, gmode = "digraph", cmode = "directed"),
    closeness_in = sna::closeness(t(a), gmode = "digraph", cmode = "directed"),
    closeness = sna::closeness(a, gmode = "digraph", cmode = "undirected"),
    betweenness = sna::betweenness(a, gmode = "digraph", cmode = "directed"),
    betweenness_norm = as.numeric(igraph::betweenness(g, directed = TRUE, normalized = TRUE))
  )
}
# numbers as text with 17 significant digits (jsonlite keeps at most 15)
full <- lapply(out, function(m) lapply(m, function(v) sprintf("%.17g", v)))
write(toJSON(full, auto_unbox = TRUE, pretty = TRUE), "measures.json")

# CONCOR (Breiger, Boorman & Arabie 1975), written here from the published algorithm: profiles are the
# columns of rbind(A, t(A)); correlations are correlated again until every |r| > cutoff (at most max_iter
# times); units split by the sign of their correlation with the group's first unit; each group is split
# again on its own columns.  Blocks numbered in tree order, the first unit's side first.
concor_split <- function(P, cutoff = 0.9999999, max_iter = 50) {
  C <- cor(P)
  it <- 1
  while (any(abs(C) <= cutoff) && it < max_iter) { C <- cor(C); it <- it + 1 }
  C[, 1] > 0
}
concor <- function(a, depth = 2) {
  P <- rbind(a, t(a))
  groups <- list(seq_len(ncol(a)))
  for (d in seq_len(depth)) {
    nxt <- list()
    for (g in groups) {
      if (length(g) < 2) { nxt[[length(nxt) + 1]] <- g; next }
      side <- concor_split(P[, g, drop = FALSE])
      nxt[[length(nxt) + 1]] <- g[side]
      if (any(!side)) nxt[[length(nxt) + 1]] <- g[!side]
    }
    groups <- nxt
  }
  lab <- integer(ncol(a))
  for (k in seq_along(groups)) lab[groups[[k]]] <- k
  lab
}
data(flo)
keep <- rownames(flo) != "Pucci"            # Pucci has no marriage tie (constant profile)
flo15 <- flo[keep, keep]
write.table(flo15, "flo.csv", sep = ",", col.names = NA, quote = TRUE)
cc <- list(
  flo_families = rownames(flo15),
  flo_depth1 = concor(flo15, 1), flo_depth2 = concor(flo15, 2), flo_depth3 = concor(flo15, 3),
  bth13_depth2 = concor(as.matrix(read.csv("bth13.csv", header = FALSE)), 2),
  random30_depth2 = concor(as.matrix(read.csv("random30.csv", header = FALSE)), 2)
)
write(toJSON(cc, auto_unbox = TRUE, pretty = TRUE), "concor.json")

writeLines(c(R.version.string,
             paste("sna", as.character(packageVersion("sna"))),
             paste("igraph", as.character(packageVersion("igraph"))),
             paste("network", as.character(packageVersion("network"))),
             paste("jsonlite", as.character(packageVersion("jsonlite")))), "versions.txt")
