using System.Text;

namespace Traktor.Ecs.Net.Tests.Docs;

/// <summary>
/// The documentation cannot rot: every ```` ```csharp ```` block of README.md and docs/*.md is a complete
/// compilation unit that compiles alone against the project's libraries (<see cref="SnippetCompiler"/>
/// says exactly what it sees), unless its fence reads ```` ```csharp fragment ````. A failure names the
/// file and line of the block and of each error.
/// </summary>
public sealed class DocsCompileTests
{
    /// <summary>Every C# block of the documentation, by file and line.</summary>
    public static TheoryData<string> CompiledBlocks()
    {
        var data = new TheoryData<string>();
        foreach (var block in AllBlocks().Where(b => b.IsCSharp && !b.IsFragment))
        {
            data.Add(block.ToString());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CompiledBlocks))]
    public void Csharp_block_compiles_on_its_own(string location)
    {
        var block = AllBlocks().Single(b => b.ToString() == location);
        var errors = SnippetCompiler.Errors(block.Code);
        if (errors.Count == 0)
        {
            return;
        }

        var message = new StringBuilder()
            .AppendLine($"The C# block at {location} does not compile on its own. Fix it, or mark its fence ```csharp fragment if it is deliberately partial.");
        foreach (var error in errors)
        {
            var span = error.Location.GetLineSpan();
            string where = error.Location.IsInSource && span.Path == "Snippet.cs"
                ? $"{block.File}:{block.Line + span.StartLinePosition.Line},{span.StartLinePosition.Character + 1}"
                : "generated code";
            message.AppendLine($"  {where}: {error.Id}: {error.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}");
        }

        Assert.Fail(message.ToString());
    }

    [Fact]
    public void The_docs_have_compiled_blocks_and_every_csharp_fence_is_understood()
    {
        var blocks = AllBlocks().ToList();
        Assert.Contains(blocks, b => b.File == "README.md" && b.IsCSharp && !b.IsFragment);
        Assert.True(blocks.Count(b => b.IsCSharp && !b.IsFragment) >= 8, "fewer compiled C# blocks than expected: did the extraction break?");

        // "csharp" followed by anything but "fragment" is most likely a typo that would silently skip a block.
        var unknown = blocks.Where(b => b.IsCSharp && b.Info.Contains(' ', StringComparison.Ordinal) && !b.IsFragment).ToList();
        Assert.True(unknown.Count == 0, "Unknown C# fence info strings: " + string.Join(", ", unknown.Select(b => $"{b} \"{b.Info}\"")));
    }

    [Fact]
    public void Extraction_reports_the_line_of_the_first_code_line()
    {
        const string markdown = "# Title\n\ntext\n```csharp fragment\nvar a = 1;\n```\n\n  ```csharp\n  int b = 2;\n  ```\n";
        var blocks = MarkdownCodeBlocks.Parse("x.md", markdown).ToList();
        Assert.Equal(2, blocks.Count);
        Assert.Equal(("x.md:5", true, "var a = 1;"), (blocks[0].ToString(), blocks[0].IsFragment, blocks[0].Code));
        Assert.Equal(("x.md:9", false, "int b = 2;"), (blocks[1].ToString(), blocks[1].IsFragment, blocks[1].Code));
    }

    [Fact]
    public void A_broken_snippet_is_reported_with_its_error()
    {
        var errors = SnippetCompiler.Errors("using Traktor.Ecs;\nvar world = World.Create();\nworld.Frobnicate();\n");
        var error = Assert.Single(errors);
        Assert.Equal("CS1061", error.Id);
        Assert.Equal(2, error.Location.GetLineSpan().StartLinePosition.Line);
    }

    [Fact]
    public void Snippets_see_the_generator_and_the_libraries_but_not_the_tests()
    {
        const string replicated = """
            using Traktor.Ecs.Net;
            [Replicated] public struct Hp { [Range(0, 100)] public int Value; }
            public static class Check { public static System.Type Serializer() => typeof(HpSerializer); }
            """;
        Assert.Empty(SnippetCompiler.Errors(replicated));
        Assert.Contains(SnippetCompiler.Errors("using Xunit;\nAssert.True(true);\n"), e => e.Id == "CS0246");
    }

    private static IEnumerable<MarkdownCodeBlock> AllBlocks()
    {
        string root = RepositoryRoot();
        var files = new[] { Path.Combine(root, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal));
        foreach (string file in files)
        {
            string relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            foreach (var block in MarkdownCodeBlocks.Parse(relative, File.ReadAllText(file)))
            {
                yield return block;
            }
        }
    }

    /// <summary>The folder holding Traktor.Ecs.sln, found upwards from the test binaries.</summary>
    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Traktor.Ecs.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Traktor.Ecs.sln not found above " + AppContext.BaseDirectory);
    }
}
