namespace Traktor.Ecs.Net.Tests.Docs;

/// <summary>
/// docs/P2P.md, "Secure mesh links: keys and connect tokens": the whole program the section shows runs, as written, and
/// links three peers over secure connections with tokens from its issuer (a reconnect with a fresh one included).
/// </summary>
[Collection(Traktor.Ecs.Net.Tests.Rpc.ConsoleErrorCollection.Name)]
public class MeshTokenDocsTests
{
    [Fact]
    public void The_secure_mesh_program_in_P2P_md_runs_and_links_every_pair()
    {
        string root = DocsCompileTests.RepositoryRoot();
        var block = MarkdownCodeBlocks.Parse("docs/P2P.md", File.ReadAllText(Path.Combine(root, "docs", "P2P.md")))
            .Single(b => b.IsCSharp && !b.IsFragment && b.Code.Contains("class MeshIssuer", StringComparison.Ordinal));

        var (exitCode, output) = SnippetCompiler.Run(block.Code);

        Assert.True(exitCode == 0, $"exit code {exitCode}: {output}");
        Assert.Equal(
        [
            "peer 1: linked to 2, 3, holds 3 markers",
            "peer 2: linked to 1, 3, holds 3 markers",
            "peer 3: linked to 1, 2, holds 3 markers",
        ], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
