using System.Text.RegularExpressions;
using Traktor.Ecs.Net.Tests.Docs;

namespace Traktor.Ecs.Net.Tests.PublicApi;

/// <summary>
/// The plugin's folder = namespace = layer rule, with its one documented exception (README's repository layout): what a
/// game uses is in namespace <c>Traktor.Ecs.Net</c> whatever its folder, so a game needs one <c>using</c> (as
/// <see cref="ConnectTokenIssuer"/> in Transport/Security, or <see cref="NetServer"/> in Transport). Every other file's
/// namespace is its folder's (a subfolder may group a layer's files without a namespace of its own, as Online/Http), so
/// the next engineer finds a type where its namespace says.
/// </summary>
public sealed partial class NamespaceLayoutTests
{
    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex FileScopedNamespace();

    [Fact]
    public void Every_plugin_file_is_in_the_game_namespace_or_its_own_folder_s()
    {
        string project = Path.Combine(DocsCompileTests.RepositoryRoot(), "Traktor.Ecs.Net");
        var misplaced = new List<string>();
        foreach (string file in Directory.EnumerateFiles(project, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(project, file).Replace('\\', '/');
            if (relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal)) continue;
            var match = FileScopedNamespace().Match(File.ReadAllText(file));
            if (!match.Success)
            {
                // Every plugin file declares a file-scoped namespace: a block-scoped one (or none) would escape the check.
                misplaced.Add($"{relative}: no file-scoped namespace");
                continue;
            }

            string ns = match.Groups[1].Value;
            if (ns == "Traktor.Ecs.Net") continue;
            string folders = Path.GetDirectoryName(relative)!.Replace('/', '.').Replace('\\', '.');
            string folderNamespace = "Traktor.Ecs.Net." + folders;
            bool matches = folders.Length > 0 && (folderNamespace == ns || folderNamespace.StartsWith(ns + ".", StringComparison.Ordinal))
                && ns.Length > "Traktor.Ecs.Net.".Length;
            if (!matches) misplaced.Add($"{relative}: namespace {ns}");
        }

        Assert.Empty(misplaced);
    }
}
