# Writes the public tables of issue 18's suite (docs/benchmarks/tables/suite.json) that come from Debian's R packages
# r-cran-mlbench and r-cran-modeldata, one CSV per data set, named after it (e.g. BreastCancer.csv, credit_data.csv):
#   - every row and column of the data set, in the package's order, unchanged, except: Sacramento gets a column
#     log10_price = log10(price) after price (the suite's label: a regression on the log of the price; price itself is
#     dropped by the suite); nothing else is added, dropped or reordered (BreastCancer's Id stays; the suite drops it).
#   - factors as their level names (ordered factors too: BreastCancer's "1".."10" then read as numbers), numbers with R's
#     15 significant digits, every string in double quotes (RFC 4180), a header line, no row names.
#   - missing values (R's NA) as empty fields: the benchmark replaces a missing number by the column's mean
#     (ReplaceMissingValues) and a missing category by no category (a zero one-hot vector).
# The content depends on the packages' data only (no random draw): build/suite-tables.sha256 holds every file's sha256
# under r-base-core 4.2.2.20221110-2, r-cran-mlbench 2.1-3-1 and r-cran-modeldata 1.1.0-1 (Debian 12).
# Prints one line per table: name, rows, columns, missing values, rows with a missing value.
# Usage: Rscript build/extract-suite-tables.R [OUTDIR]   (default artifacts/tables; `bash build/setup.sh --tables` runs it)
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "artifacts/tables"
dir.create(out, recursive = TRUE, showWarnings = FALSE)
suppressPackageStartupMessages({
  library(mlbench)
  library(modeldata)
})

# package, data set, expected rows and columns (of the written file) — a different package version stops the script here.
tables <- list(
  c("mlbench", "BreastCancer", 699, 11), c("mlbench", "DNA", 3186, 181), c("mlbench", "Glass", 214, 10),
  c("mlbench", "HouseVotes84", 435, 17), c("mlbench", "Ionosphere", 351, 35), c("mlbench", "PimaIndiansDiabetes2", 768, 9),
  c("mlbench", "Servo", 167, 5), c("mlbench", "Vowel", 990, 11), c("mlbench", "Sonar", 208, 61), c("mlbench", "Vehicle", 846, 19),
  c("modeldata", "attrition", 1470, 31), c("modeldata", "penguins", 344, 7), c("modeldata", "ad_data", 333, 131),
  c("modeldata", "two_class_dat", 791, 3), c("modeldata", "credit_data", 4454, 14), c("modeldata", "hpc_data", 4331, 8),
  c("modeldata", "Sacramento", 932, 10), c("modeldata", "concrete", 1030, 9), c("modeldata", "lending_club", 9857, 23),
  c("modeldata", "stackoverflow", 5594, 21))

for (t in tables) {
  package <- t[1]
  name <- t[2]
  data <- new.env()
  data(list = name, package = package, envir = data)
  d <- as.data.frame(get(name, envir = data))
  if (name == "Sacramento") {
    at <- which(names(d) == "price")
    d <- cbind(d[, seq_len(at)], log10_price = log10(d$price), d[, -seq_len(at), drop = FALSE])
  }
  stopifnot(nrow(d) == as.integer(t[3]), ncol(d) == as.integer(t[4]), !any(sapply(d, is.list)))
  for (column in names(d)) {
    if (is.character(d[[column]]) || is.factor(d[[column]])) stopifnot(!any(grepl("[\r\n]", as.character(d[[column]]))))
  }
  file <- file.path(out, paste0(name, ".csv"))
  write.csv(d, file, row.names = FALSE, na = "", fileEncoding = "UTF-8")
  cat(sprintf("%s/%s: %d rows, %d columns, %d missing values in %d rows -> %s\n", package, name, nrow(d), ncol(d),
              sum(is.na(d)), sum(!complete.cases(d)), file))
}
