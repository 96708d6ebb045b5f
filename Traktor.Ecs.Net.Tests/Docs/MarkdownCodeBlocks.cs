namespace Traktor.Ecs.Net.Tests.Docs;

/// <summary>One fenced code block of a Markdown file.</summary>
/// <param name="File">The file, relative to the repository root, with forward slashes.</param>
/// <param name="Line">The 1-based line of the block's first code line (the one after the opening fence).</param>
/// <param name="Info">The fence's info string ("csharp", "csharp fragment", "bash" …).</param>
/// <param name="Code">The block's text, its fence indentation removed.</param>
public sealed record MarkdownCodeBlock(string File, int Line, string Info, string Code)
{
    /// <summary>The fence's language (the info string's first word), lower case.</summary>
    public string Language => Info.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.ToLowerInvariant() ?? "";

    /// <summary>Whether the block is C# (csharp, cs or c#).</summary>
    public bool IsCSharp => Language is "csharp" or "cs" or "c#";

    /// <summary>Whether the fence marks the block as a fragment that is not compiled on its own.</summary>
    public bool IsFragment => Info.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Contains("fragment", StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override string ToString() => $"{File}:{Line}";
}

/// <summary>Extracts fenced code blocks (``` or ~~~, indented up to three spaces or inside list items) from Markdown.</summary>
public static class MarkdownCodeBlocks
{
    /// <summary>Every fenced block of <paramref name="text"/>.</summary>
    /// <param name="file">The file name to report.</param>
    /// <param name="text">The Markdown text.</param>
    public static IEnumerable<MarkdownCodeBlock> Parse(string file, string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string trimmed = lines[i].TrimStart(' ');
            int indent = lines[i].Length - trimmed.Length;
            if (!trimmed.StartsWith("```", StringComparison.Ordinal) && !trimmed.StartsWith("~~~", StringComparison.Ordinal))
            {
                continue;
            }

            char fenceChar = trimmed[0];
            int fenceLength = trimmed.TakeWhile(c => c == fenceChar).Count();
            string info = trimmed[fenceLength..].Trim();
            var code = new List<string>();
            int start = i + 1;
            for (i++; i < lines.Length; i++)
            {
                string candidate = lines[i].TrimStart(' ');
                if (candidate.Length >= fenceLength && candidate.All(c => c == fenceChar))
                {
                    break;
                }

                // Content lines lose up to the fence's own indentation (list items indent their fences).
                string line = lines[i];
                int strip = Math.Min(indent, line.Length - line.TrimStart(' ').Length);
                code.Add(line[strip..]);
            }

            yield return new MarkdownCodeBlock(file, start + 1, info, string.Join('\n', code));
        }
    }
}
