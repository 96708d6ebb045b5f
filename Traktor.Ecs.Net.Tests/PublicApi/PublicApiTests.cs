using System.Reflection;
using Traktor.Ecs.Net.Tests.Docs;
using PublicApiGenerator;

namespace Traktor.Ecs.Net.Tests.PublicApi;

/// <summary>
/// Every library's public surface is an approved text file (PublicApi/&lt;assembly&gt;.approved.txt), so a change
/// to it is a reviewed diff. After an intended change, rewrite the files with
/// <c>TRAKTOR_ACCEPT_API=1 dotnet test --project Traktor.Ecs.Net.Tests -- --filter-class '*PublicApiTests'</c>
/// and commit them with the change.
/// </summary>
public sealed class PublicApiTests
{
    private const string AcceptVariable = "TRAKTOR_ACCEPT_API";
    private const string AcceptCommand = AcceptVariable + "=1 dotnet test --project Traktor.Ecs.Net.Tests -- --filter-class '*PublicApiTests'";
    private const int MaxLinesShown = 40;

    /// <summary>The library assemblies (the packed ones; docs/packaging.md).</summary>
    private static readonly string[] LibraryNames =
        ["Traktor.Ecs", "Traktor.Ecs.Net", "Traktor.Ecs.Net.Online", "Traktor.Ecs.Net.Scripting", "Traktor.Ecs.Net.Web"];

    public static TheoryData<string> Libraries => new(LibraryNames);

    [Theory]
    [MemberData(nameof(Libraries))]
    public void The_public_api_is_the_approved_one(string library)
    {
        string api = PublicApiOf(library);
        string approved = Path.Combine(SourceFolder(), library + ".approved.txt");
        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            File.WriteAllText(approved, api);
            return;
        }

        Assert.True(File.Exists(approved), $"{approved} is missing. Create it with: {AcceptCommand}");
        string expected = File.ReadAllText(approved).ReplaceLineEndings("\n");
        if (expected != api)
        {
            Assert.Fail($"The public API of {library} differs from PublicApi/{library}.approved.txt:\n{Difference(expected, api)}\n"
                + $"If the change is intended, accept it with: {AcceptCommand}\nand commit the rewritten {library}.approved.txt with the change.");
        }
    }

    [Fact]
    public void Every_library_assembly_has_an_approval_and_every_approval_a_library()
    {
        // A new library needs an entry in Libraries; an approved file without a library is stale.
        string[] files = Directory.GetFiles(SourceFolder(), "*.approved.txt").Select(f => Path.GetFileName(f)[..^".approved.txt".Length]).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(LibraryNames.Order(StringComparer.Ordinal), files);
    }

    /// <summary>The generator's text for the assembly, with assembly attributes left out (they carry build details).</summary>
    private static string PublicApiOf(string library) =>
        Assembly.Load(library).GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false }).ReplaceLineEndings("\n");

    /// <summary>The lines only the approved text has ("-") and the lines only the current API has ("+"), in file order.</summary>
    private static string Difference(string expected, string actual)
    {
        string[] before = expected.Split('\n');
        string[] after = actual.Split('\n');
        var removed = before.Except(after, StringComparer.Ordinal).Select(line => "- " + line.Trim());
        var added = after.Except(before, StringComparer.Ordinal).Select(line => "+ " + line.Trim());
        string[] lines = [.. removed, .. added];
        return string.Join('\n', lines.Take(MaxLinesShown))
            + (lines.Length > MaxLinesShown ? $"\n… and {lines.Length - MaxLinesShown} more changed lines" : "")
            + (lines.Length == 0 ? "(the same lines in another order)" : "");
    }

    /// <summary>
    /// This folder in the work tree, found from the test binaries: not through the caller-file-path attribute, which a CI build
    /// (<c>ContinuousIntegrationBuild</c>, set when <c>CI=true</c>) maps to <c>/_/</c>.
    /// </summary>
    private static string SourceFolder() => Path.Combine(DocsCompileTests.RepositoryRoot(), "Traktor.Ecs.Net.Tests", "PublicApi");
}
