namespace Traktor.Ecs.Net.Tests.Packaging;

/// <summary>
/// CI runs with <c>CI=true</c>, which makes every build a <c>ContinuousIntegrationBuild</c> (Directory.Build.props): source
/// paths are mapped to <c>/_/</c>, so a <c>[CallerFilePath]</c> names no real file there. Tests that look for files in the
/// work tree use <see cref="Docs.DocsCompileTests.RepositoryRoot"/> instead; two that did not failed only in CI.
/// </summary>
public sealed class CiBuildPathTests
{
    [Fact]
    public void No_test_finds_work_tree_files_through_CallerFilePath()
    {
        string tests = Path.Combine(Docs.DocsCompileTests.RepositoryRoot(), "Traktor.Ecs.Net.Tests");
        string self = Path.Combine(tests, "Packaging", nameof(CiBuildPathTests) + ".cs");
        string[] offenders = Directory.EnumerateFiles(tests, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && f != self
                && File.ReadAllText(f).Contains("[CallerFilePath]", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(tests, f))
            .ToArray();
        Assert.True(offenders.Length == 0, "These test files use [CallerFilePath], which is /_/… in a CI build: " + string.Join(", ", offenders));
    }

    [Fact]
    public void The_repository_root_is_found_from_the_test_binaries()
    {
        string root = Docs.DocsCompileTests.RepositoryRoot();
        Assert.True(File.Exists(Path.Combine(root, "Traktor.Ecs.sln")), root);
        Assert.False(root.StartsWith("/_/", StringComparison.Ordinal), root);
    }
}
