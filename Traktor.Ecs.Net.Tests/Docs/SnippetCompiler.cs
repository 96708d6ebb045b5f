using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Traktor.Ecs.Net.Generators;

namespace Traktor.Ecs.Net.Tests.Docs;

/// <summary>
/// Compiles a documentation snippet the way a new user's console project would: C# latest, nullable on,
/// the SDK's implicit usings of a console project (System, System.Collections.Generic, System.IO,
/// System.Linq, System.Net.Http, System.Threading, System.Threading.Tasks), the .NET and ASP.NET Core
/// frameworks, the project's libraries with their dependencies, and the Traktor.Ecs.Net source generator.
/// Test-only assemblies (xunit, CsCheck, the tests, the Demo) are not visible, so a snippet cannot lean on them.
/// </summary>
public static class SnippetCompiler
{
    /// <summary>The global usings every project created by <c>dotnet new console</c> has.</summary>
    public static readonly string ImplicitUsings = string.Join('\n',
        "global using global::System;",
        "global using global::System.Collections.Generic;",
        "global using global::System.IO;",
        "global using global::System.Linq;",
        "global using global::System.Net.Http;",
        "global using global::System.Threading;",
        "global using global::System.Threading.Tasks;");

    private static readonly string[] HiddenAssemblies =
        ["xunit", "CsCheck", "Traktor.Ecs.Net.Tests", "Traktor.Ecs.Net.Generators", "Demo", "Microsoft.Testing", "Microsoft.CodeAnalysis", "Sample."];

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => !HiddenAssemblies.Any(hidden => Path.GetFileName(path).StartsWith(hidden, StringComparison.OrdinalIgnoreCase)))
            .Distinct(StringComparer.OrdinalIgnoreCase);
        return [.. paths.Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))];
    });

    /// <summary>Compiles <paramref name="code"/> alone and returns its errors (warnings are a user's business).</summary>
    /// <param name="code">A complete compilation unit: usings, types, optionally top-level statements.</param>
    /// <param name="assemblyName">The snippet's assembly name.</param>
    public static IReadOnlyList<Diagnostic> Errors(string code, string assemblyName = "Snippet")
    {
        var (_, errors) = Compile(code, assemblyName, []);
        return errors;
    }

    /// <summary>
    /// Compiles <paramref name="code"/> together with other files of the same project (a build file's generated
    /// global usings, a source file a package adds) and returns the errors.
    /// </summary>
    /// <param name="code">The compilation unit under test (path <c>Snippet.cs</c>).</param>
    /// <param name="projectFiles">The other files, by path and text.</param>
    public static IReadOnlyList<Diagnostic> Errors(string code, IEnumerable<(string Path, string Code)> projectFiles)
    {
        var (_, errors) = Compile(code, "Snippet", projectFiles);
        return errors;
    }

    /// <summary>
    /// Compiles <paramref name="code"/>, a whole program (top-level statements), and runs it in this process: its exit
    /// code and what it wrote to the console. Callers redirect the console, so they belong to a collection that does.
    /// </summary>
    /// <param name="code">The program.</param>
    /// <exception cref="InvalidOperationException">It does not compile, or is not a program.</exception>
    public static (int ExitCode, string Output) Run(string code)
    {
        var (assembly, context) = Load(code);
        try
        {
            var entry = assembly.EntryPoint ?? throw new InvalidOperationException("The snippet is not a program.");
            var output = new StringWriter();
            var original = Console.Out;
            Console.SetOut(output);
            try
            {
                object? result = entry.Invoke(null, entry.GetParameters().Length == 0 ? [] : [Array.Empty<string>()]);
                if (result is Task<int> task) result = task.GetAwaiter().GetResult();
                else if (result is Task done) done.GetAwaiter().GetResult();
                return (result as int? ?? 0, output.ToString().ReplaceLineEndings("\n"));
            }
            finally
            {
                Console.SetOut(original);
            }
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>
    /// Compiles <paramref name="code"/> (a program or a library) and loads it into a collectible context of its own; the
    /// project's libraries come from the default context, so the snippet's types take and return the tests' own. Unload
    /// the context when done.
    /// </summary>
    /// <param name="code">The compilation unit.</param>
    /// <returns>The snippet's assembly and its context.</returns>
    /// <exception cref="InvalidOperationException">It does not compile.</exception>
    public static (System.Reflection.Assembly Assembly, System.Runtime.Loader.AssemblyLoadContext Context) Load(string code)
    {
        var (compilation, errors) = Compile(code, "Snippet" + Guid.NewGuid().ToString("N"), []);
        if (errors.Count > 0) throw new InvalidOperationException("The snippet does not compile: " + string.Join("; ", errors));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        if (!emitted.Success) throw new InvalidOperationException("The snippet does not emit: " + string.Join("; ", emitted.Diagnostics));
        image.Position = 0;
        var context = new System.Runtime.Loader.AssemblyLoadContext("snippet", isCollectible: true);
        return (context.LoadFromStream(image), context);
    }

    private static (Compilation Compilation, IReadOnlyList<Diagnostic> Errors) Compile(
        string code, string assemblyName, IEnumerable<(string Path, string Code)> projectFiles)
    {
        var tree = CSharpSyntaxTree.ParseText(code, ParseOptions, path: "Snippet.cs");
        bool hasTopLevelStatements = tree.GetCompilationUnitRoot().Members.OfType<GlobalStatementSyntax>().Any();
        var compilation = CSharpCompilation.Create(
            assemblyName,
            [
                tree,
                CSharpSyntaxTree.ParseText(ImplicitUsings, ParseOptions, path: "ImplicitUsings.g.cs"),
                .. projectFiles.Select(file => CSharpSyntaxTree.ParseText(file.Code, ParseOptions, path: file.Path)),
            ],
            References.Value,
            new CSharpCompilationOptions(
                hasTopLevelStatements ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                allowUnsafe: false));
        var driver = CSharpGeneratorDriver.Create([new ReplicationGenerator().AsSourceGenerator()], parseOptions: ParseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        return (output, [.. generatorDiagnostics.Concat(output.GetDiagnostics()).Where(d => d.Severity == DiagnosticSeverity.Error)]);
    }
}
