# Writes the two tables the `tables` benchmark reads that come from Debian's R packages (see samples/data/README.md):
#   letter_recognition.csv  mlbench's LetterRecognition, all 20,000 rows: label `lettr` then the 16 integer features.
#   austen_lines.csv        janeaustenr's austen_books(): per novel, 1,000 of its lines of at least 50 characters,
#                           evenly spaced through the novel (no random draw, so any R version gives the same rows);
#                           columns `text` then `book`.
# Usage: Rscript build/extract-tables.R [OUTDIR]   (default samples/data; `bash build/setup.sh --tables` runs it)
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "samples/data"
suppressPackageStartupMessages({
  library(mlbench)
  library(janeaustenr)
})

data(LetterRecognition, package = "mlbench")
letter <- LetterRecognition
stopifnot(nrow(letter) == 20000, ncol(letter) == 17, names(letter)[1] == "lettr", nlevels(letter$lettr) == 26)
letter$lettr <- as.character(letter$lettr)
write.csv(letter, file.path(out, "letter_recognition.csv"), row.names = FALSE, quote = FALSE)

min_characters <- 50
lines_per_book <- 1000
books <- austen_books()
books$book <- as.character(books$book)
austen <- do.call(rbind, lapply(unique(books$book), function(title) {
  text <- books$text[books$book == title & nchar(books$text) >= min_characters]
  keep <- unique(round(seq(1, length(text), length.out = lines_per_book)))
  stopifnot(length(keep) == lines_per_book)
  data.frame(text = text[keep], book = title, stringsAsFactors = FALSE)
}))
stopifnot(nrow(austen) == 6 * lines_per_book, !any(grepl("[\r\n]", austen$text)))
# write.csv quotes every string and doubles embedded quotes (RFC 4180), which the benchmark's reader expects.
write.csv(austen, file.path(out, "austen_lines.csv"), row.names = FALSE, fileEncoding = "UTF-8")
cat(sprintf("wrote %s/letter_recognition.csv (%d rows) and %s/austen_lines.csv (%d rows)\n", out, nrow(letter), out, nrow(austen)))
