using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Traktor.Ecs.Net.Tests.Docs;

namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>
/// <c>&lt;TraktorArchCompat&gt;true&lt;/TraktorArchCompat&gt;</c> (Traktor.Ecs's build targets): a file written for Arch 2.x
/// compiles with its <c>using Arch.…;</c> lines unchanged. These tests read the shipped targets file and the source
/// file it adds, build what MSBuild would give the project from them (the global usings, the extra source file) and
/// compile Arch-style code with them in memory.
/// </summary>
public sealed class ArchNamespaceShimTests
{
    /// <summary>
    /// Code in Arch 2.x's shape, written here: the four usings Arch's README and games start with, in a namespace
    /// under <c>Arch</c> (as Arch's own tests are), with a <c>System.</c>-qualified name that an extra <c>Arch.System</c>
    /// namespace would capture.
    /// </summary>
    private const string ArchStyleFile = """
        using Arch.Core;
        using Arch.Core.Extensions;
        using Arch.Core.Utils;
        using Arch.Buffer;

        namespace Arch.Tests;

        public struct Position { public float X, Y; }
        public struct Velocity { public float Dx, Dy; }

        public static class Movement
        {
            public static int Step()
            {
                var world = World.Create();
                var entity = world.Create(new Position(), new Velocity { Dx = 1 });
                var movers = new QueryDescription().WithAll<Position, Velocity>();
                world.Query(in movers, (ref Position p, ref Velocity v) => p.X += v.Dx);
                ComponentType[] group = [typeof(Position)];
                ArrayRegistry.Add<Position>();
                var rock = world.Create(Group<Position>.Types);
                var ship = world.Create(Group<Position, Velocity>.Types);
                System.Console.WriteLine(Group<Velocity, Position>.Hash == Group<Position, Velocity>.Hash);
                var buffer = new CommandBuffer();
                buffer.Destroy(entity);
                buffer.Playback(world);
                System.Console.WriteLine(entity.IsAlive() + " " + group.Length);
                int size = world.Size;
                World.Destroy(world);
                return size;
            }
        }
        """;

    private static readonly string BuildFolder =
        Path.Combine(DocsCompileTests.RepositoryRoot(), "Traktor.Ecs", "buildTransitive");

    [Fact]
    public void An_Arch_style_file_compiles_unchanged_with_what_TraktorArchCompat_adds()
    {
        var errors = SnippetCompiler.Errors(ArchStyleFile, ArchCompatProjectFiles());

        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public void Without_it_the_Arch_usings_do_not_resolve()
    {
        // What the shim is for: the same file against the plain library (nothing declares Arch.Core).
        var errors = SnippetCompiler.Errors(ArchStyleFile);

        Assert.Contains(errors, e => e.Id is "CS0246" or "CS0234" && e.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("Arch", StringComparison.Ordinal));
    }

    [Fact]
    public void The_added_source_declares_exactly_Arch_2_namespaces_and_no_types()
    {
        var root = CSharpSyntaxTree.ParseText(File.ReadAllText(ShimSourcePath()), cancellationToken: TestContext.Current.CancellationToken)
            .GetCompilationUnitRoot(TestContext.Current.CancellationToken);

        var namespaces = root.DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>().Select(n => n.Name.ToString()).Order(StringComparer.Ordinal);
        Assert.Equal(["Arch.Buffer", "Arch.Core", "Arch.Core.Extensions", "Arch.Core.Extensions.Dangerous", "Arch.Core.Extensions.Internal", "Arch.Core.Utils"], namespaces);
        // No stand-in types, no usings that would leak into the consumer's files: empty namespace declarations only.
        Assert.DoesNotContain(root.DescendantNodes().OfType<MemberDeclarationSyntax>(), m => m is not BaseNamespaceDeclarationSyntax);
        Assert.Empty(root.Usings);
        Assert.Empty(root.AttributeLists);
    }

    [Fact]
    public void The_library_itself_does_not_compile_the_shim()
    {
        // The namespaces belong to the consumer's compilation only: Traktor.Ecs exposes no Arch.* namespace.
        Assert.DoesNotContain(typeof(World).Assembly.GetTypes(), t => t.Namespace?.StartsWith("Arch", StringComparison.Ordinal) == true);
    }

    /// <summary>
    /// The files MSBuild adds to a project with TraktorArchCompat set, read from the targets file: its
    /// <c>Using</c> items become the generated global usings, its <c>Compile</c> item the extra source file.
    /// </summary>
    private static IEnumerable<(string Path, string Code)> ArchCompatProjectFiles()
    {
        var group = ArchCompatItemGroup();
        string usings = string.Join('\n', group.Elements("Using").Select(u => $"global using global::{u.Attribute("Include")!.Value};"));
        Assert.Contains("global using global::Traktor.Ecs;", usings, StringComparison.Ordinal);
        yield return ("GlobalUsings.g.cs", usings);
        yield return ("Traktor.Ecs.ArchNamespaces.cs", File.ReadAllText(ShimSourcePath()));
    }

    private static string ShimSourcePath()
    {
        var compile = Assert.Single(ArchCompatItemGroup().Elements("Compile"));
        string include = compile.Attribute("Include")!.Value;
        Assert.StartsWith("$(MSBuildThisFileDirectory)", include, StringComparison.Ordinal); // found next to the targets, in a package or a checkout
        string path = Path.Combine(BuildFolder, include["$(MSBuildThisFileDirectory)".Length..]);
        Assert.True(File.Exists(path), path);
        return path;
    }

    private static XElement ArchCompatItemGroup()
    {
        var targets = XDocument.Load(Path.Combine(BuildFolder, "Traktor.Ecs.targets"));
        return Assert.Single(targets.Root!.Elements("ItemGroup"), g => (string?)g.Attribute("Condition") == "'$(TraktorArchCompat)' == 'true'");
    }
}
