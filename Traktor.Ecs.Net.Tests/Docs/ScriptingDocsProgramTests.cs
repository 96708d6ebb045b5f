namespace Traktor.Ecs.Net.Tests.Docs;

/// <summary>
/// docs/SCRIPTING.md's whole Lua player runs as written (compiled from the Markdown by <see cref="SnippetCompiler.Run"/>)
/// and prints what the page says it prints. Before it, the page had no whole program: its one C# block was a fragment
/// naming a type that does not exist (<c>PlayerJoinedRpc</c>), and nothing said how a script gets the seed's
/// <c>username</c>/<c>sessionId</c> globals.
/// </summary>
[Collection(Traktor.Ecs.Net.Tests.Rpc.ConsoleErrorCollection.Name)]
public class ScriptingDocsProgramTests
{
    [Fact]
    public void The_whole_Lua_player_in_SCRIPTING_md_runs_and_prints_what_the_page_says()
    {
        string markdown = File.ReadAllText(Path.Combine(DocsCompileTests.RepositoryRoot(), "docs", "SCRIPTING.md"));
        var blocks = MarkdownCodeBlocks.Parse("docs/SCRIPTING.md", markdown).ToList();
        int program = blocks.FindIndex(b => b.IsCSharp && !b.IsFragment && b.Code.Contains("const string playerLua", StringComparison.Ordinal));
        Assert.True(program >= 0, "the whole Lua player is on the page");
        string expected = blocks[program + 1].Code;   // the "It prints:" block right after it

        var (exitCode, output) = SnippetCompiler.Run(blocks[program].Code);

        Assert.True(exitCode == 0, $"exit code {exitCode}: {output}");
        Assert.Equal(expected.ReplaceLineEndings("\n").TrimEnd(), output.TrimEnd());
    }

    /// <summary>The page's example of values between C# and Lua (docs/SCRIPTING.md "Values between C# and Lua") runs as written.</summary>
    [Fact]
    public void The_values_between_CSharp_and_Lua_example_runs_and_prints_what_the_page_says()
    {
        string markdown = File.ReadAllText(Path.Combine(DocsCompileTests.RepositoryRoot(), "docs", "SCRIPTING.md"));
        var blocks = MarkdownCodeBlocks.Parse("docs/SCRIPTING.md", markdown).ToList();
        int program = blocks.FindIndex(b => b.IsCSharp && !b.IsFragment && b.Code.Contains("game.bonus", StringComparison.Ordinal));
        Assert.True(program >= 0, "the values example is on the page");

        var (exitCode, output) = SnippetCompiler.Run(blocks[program].Code);

        Assert.True(exitCode == 0, $"exit code {exitCode}: {output}");
        Assert.Equal(blocks[program + 1].Code.ReplaceLineEndings("\n").TrimEnd(), output.TrimEnd());
    }
}
