using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// The CSV files <c>tables</c> reads: comma-separated, RFC 4180 quoting (a field in double quotes may hold commas, a
    /// doubled quote is one quote; no line breaks inside fields), an optional header line after <c>--skip-lines</c> lines.
    /// Read whole into memory (the tables are small), then written back in one normal form for the trainers' processes.
    /// </summary>
    internal sealed class TablesCsv
    {
        private TablesCsv(string[] header, List<string[]> rows, List<int> lineNumbers)
        {
            Header = header;
            Rows = rows;
            LineNumbers = lineNumbers;
        }

        /// <summary>Column names: the header's, or <c>C0</c>, <c>C1</c>, ... when the file has none.</summary>
        public string[] Header { get; }

        /// <summary>The data rows, each with one field per column.</summary>
        public List<string[]> Rows { get; }

        /// <summary>The line of the file each row came from (1-based), for messages.</summary>
        public List<int> LineNumbers { get; }

        /// <summary>
        /// Reads <paramref name="path"/>. Throws <see cref="InvalidDataException"/> naming the line for an unclosed quote or
        /// a row whose field count differs from the header's, and for a file without data rows.
        /// </summary>
        public static TablesCsv Read(string path, int skipLines, bool hasHeader)
        {
            var lines = File.ReadLines(path).Select((text, index) => (Text: text, Number: index + 1)).Skip(skipLines)
                .Where(line => line.Text.Length > 0).ToList();
            if (lines.Count == (hasHeader ? 1 : 0)) throw new InvalidDataException($"'{path}' has no data rows after {skipLines} skipped line(s){(hasHeader ? " and the header" : "")}.");
            var first = Split(lines[0].Text, path, lines[0].Number);
            string[] header = hasHeader ? first : Enumerable.Range(0, first.Length).Select(i => $"C{i}").ToArray();
            var duplicate = header.GroupBy(name => name).FirstOrDefault(group => group.Count() > 1);
            if (duplicate is not null) throw new InvalidDataException($"'{path}': the header names column '{duplicate.Key}' {duplicate.Count()} times.");
            var rows = new List<string[]>(lines.Count);
            var lineNumbers = new List<int>(lines.Count);
            foreach (var line in lines.Skip(hasHeader ? 1 : 0))
            {
                var fields = Split(line.Text, path, line.Number);
                if (fields.Length != header.Length)
                    throw new InvalidDataException($"'{path}', line {line.Number}: {fields.Length} fields where the {(hasHeader ? "header" : "first row")} has {header.Length}.");
                rows.Add(fields);
                lineNumbers.Add(line.Number);
            }
            return new TablesCsv(header, rows, lineNumbers);
        }

        /// <summary>Writes <paramref name="header"/> and <paramref name="rows"/>, quoting the fields that need it.</summary>
        public static void Write(string path, IEnumerable<string> header, IEnumerable<string[]> rows)
        {
            using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
            writer.WriteLine(string.Join(",", header.Select(Quote)));
            foreach (var row in rows) writer.WriteLine(string.Join(",", row.Select(Quote)));
        }

        private static string Quote(string field) =>
            field.IndexOfAny(new[] { ',', '"' }) >= 0 || field != field.Trim() ? $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : field;

        private static string[] Split(string line, string path, int number)
        {
            var fields = new List<string>();
            var field = new StringBuilder();
            bool quoted = false;
            for (int i = 0; i < line.Length; i++)
            {
                char c = line[i];
                if (quoted)
                {
                    if (c != '"') field.Append(c);
                    else if (i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                    else quoted = false;
                }
                else if (c == '"') quoted = true;
                else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
                else field.Append(c);
            }
            if (quoted) throw new InvalidDataException($"'{path}', line {number}: a quoted field is not closed (fields may not span lines).");
            fields.Add(field.ToString());
            return fields.ToArray();
        }
    }
}
