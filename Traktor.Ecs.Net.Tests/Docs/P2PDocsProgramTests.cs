namespace Traktor.Ecs.Net.Tests.Docs;

/// <summary>
/// The whole programs of docs/P2P.md run, as written (compiled from the Markdown by <see cref="SnippetCompiler.Run"/>),
/// not only compile: a program that compiles can still fail to link or converge.
/// </summary>
[Collection(Traktor.Ecs.Net.Tests.Rpc.ConsoleErrorCollection.Name)]
public class P2PDocsProgramTests
{
    /// <summary>"Secure mesh links: keys and connect tokens": three peers linked with tokens from its issuer, a reconnect with a fresh one.</summary>
    [Fact]
    public void The_secure_mesh_program_in_P2P_md_runs_and_links_every_pair()
    {
        var (exitCode, output) = SnippetCompiler.Run(Program("class MeshIssuer"));

        Assert.True(exitCode == 0, $"exit code {exitCode}: {output}");
        Assert.Equal(
        [
            "peer 1: linked to 2, 3, holds 3 markers",
            "peer 2: linked to 1, 3, holds 3 markers",
            "peer 3: linked to 1, 2, holds 3 markers",
        ], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>"Shared authority": three peers share their bodies, and peer 3 takes one of peer 1's over.</summary>
    [Fact]
    public void The_shared_authority_program_in_P2P_md_runs_and_every_peer_agrees_on_the_new_owner()
    {
        var (exitCode, output) = SnippetCompiler.Run(Program("namespace SharedWorld"));

        Assert.True(exitCode == 0, $"exit code {exitCode}: {output}");
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        for (int peer = 1; peer <= 3; peer++)
        {
            Assert.StartsWith($"peer {peer}: body ", lines[peer - 1], StringComparison.Ordinal);
            Assert.Contains(" owned by 3 at ", lines[peer - 1], StringComparison.Ordinal);
            Assert.EndsWith("; session host 1", lines[peer - 1], StringComparison.Ordinal);
        }
    }

    /// <summary>The one compiled C# block of docs/P2P.md containing <paramref name="marker"/>.</summary>
    private static string Program(string marker)
    {
        string root = DocsCompileTests.RepositoryRoot();
        return MarkdownCodeBlocks.Parse("docs/P2P.md", File.ReadAllText(Path.Combine(root, "docs", "P2P.md")))
            .Single(b => b.IsCSharp && !b.IsFragment && b.Code.Contains(marker, StringComparison.Ordinal)).Code;
    }
}
