namespace Traktor.Ecs.Net.Tests.Docs;

/// <summary>One pipe table of a Markdown file.</summary>
/// <param name="File">The file, relative to the repository root, with forward slashes.</param>
/// <param name="Line">The 1-based line of the table's header row.</param>
/// <param name="Marker">The text of an HTML comment on the line just above the table (<c>&lt;!-- … --&gt;</c>), or null.</param>
/// <param name="Header">The header cells, trimmed.</param>
/// <param name="Rows">The body rows: their 1-based line and trimmed cells.</param>
public sealed record MarkdownTable(string File, int Line, string? Marker, IReadOnlyList<string> Header, IReadOnlyList<(int Line, string[] Cells)> Rows)
{
    /// <summary>The index of the header cell named <paramref name="name"/> (case-insensitive), or -1.</summary>
    public int Column(string name) => Header.ToList().FindIndex(cell => cell.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <inheritdoc />
    public override string ToString() => $"{File}:{Line}";
}

/// <summary>Extracts pipe tables (a header row, a delimiter row of dashes, body rows) from Markdown, outside code fences.</summary>
public static class MarkdownTables
{
    /// <summary>Every table of <paramref name="text"/>.</summary>
    /// <param name="file">The file name to report.</param>
    /// <param name="text">The Markdown text.</param>
    public static IEnumerable<MarkdownTable> Parse(string file, string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        bool inFence = false;
        for (int i = 0; i < lines.Length; i++)
        {
            string trimmed = lines[i].TrimStart();
            if (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }

            if (inFence || !trimmed.StartsWith('|') || i + 1 >= lines.Length || !IsDelimiter(lines[i + 1]))
            {
                continue;
            }

            string previous = i > 0 ? lines[i - 1].Trim() : "";
            string? marker = previous.StartsWith("<!--", StringComparison.Ordinal) && previous.EndsWith("-->", StringComparison.Ordinal)
                ? previous[4..^3].Trim()
                : null;
            int headerLine = i;
            var rows = new List<(int, string[])>();
            for (i += 2; i < lines.Length && lines[i].TrimStart().StartsWith('|'); i++)
            {
                rows.Add((i + 1, Cells(lines[i])));
            }

            yield return new MarkdownTable(file, headerLine + 1, marker, Cells(lines[headerLine]), rows);
        }
    }

    private static bool IsDelimiter(string line) =>
        line.TrimStart().StartsWith('|') && line.Contains('-', StringComparison.Ordinal) && line.All(c => c is '|' or '-' or ':' or ' ');

    /// <summary>A row's cells: split on pipes outside backticks (a code span may hold one), the outer empty ends dropped.</summary>
    private static string[] Cells(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        bool inCode = false;
        foreach (char c in line.Trim())
        {
            if (c == '`')
            {
                inCode = !inCode;
            }

            if (c == '|' && !inCode)
            {
                cells.Add(cell.ToString().Trim());
                cell.Clear();
                continue;
            }

            cell.Append(c);
        }

        cells.Add(cell.ToString().Trim());
        return cells.Skip(1).SkipLast(1).ToArray();
    }
}
