using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Traktor.Ecs.Net.Generators;

namespace Traktor.Ecs.Net.Tests.Generators;

/// <summary>Runs <see cref="ReplicationGenerator"/> over a source string with CSharpGeneratorDriver.</summary>
internal static class GeneratorHarness
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        string self = typeof(GeneratorHarness).Assembly.Location;
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => !string.Equals(p, self, StringComparison.OrdinalIgnoreCase))
            .Append(typeof(Traktor.Ecs.Net.Serialization.BitWriter).Assembly.Location)
            .Distinct();
        return [.. paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    });

    public sealed record Result(Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics, ImmutableArray<SyntaxTree> Generated)
    {
        public IEnumerable<Diagnostic> CompileErrors => Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error);

        public string Source(string hintEnd) => Generated.Single(t => t.FilePath.EndsWith(hintEnd, StringComparison.Ordinal)).ToString();

        public string ProtocolHash => System.Text.RegularExpressions.Regex.Match(Source("GeneratedNetworkSchema.g.cs"), "Hash = (0x[0-9A-F]+UL)").Groups[1].Value;
    }

    public static Result Run(string source, string assemblyName = "GeneratorTestAssembly")
    {
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        var compilation = CSharpCompilation.Create(
            assemblyName,
            [CSharpSyntaxTree.ParseText(source, parse, path: "Input.cs")],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var driver = CSharpGeneratorDriver.Create([new ReplicationGenerator().AsSourceGenerator()], parseOptions: parse);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var generated = output.SyntaxTrees.Where(t => t.FilePath != "Input.cs").ToImmutableArray();
        return new Result(output, diagnostics, generated);
    }

    /// <summary>Runs the generator with step tracking on, returning the driver for a second run.</summary>
    public static GeneratorDriverRunResult RunTracked(string source, out GeneratorDriver driver, out Compilation compilation)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        compilation = CSharpCompilation.Create(
            "GeneratorTestAssembly",
            [CSharpSyntaxTree.ParseText(source, parse, path: "Input.cs")],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        driver = CSharpGeneratorDriver.Create(
            [new ReplicationGenerator().AsSourceGenerator()],
            parseOptions: parse,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGenerators(compilation);
        return driver.GetRunResult();
    }

    /// <summary>Emits the compilation, loads it in a collectible context and calls a static bool method.</summary>
    public static bool Invoke(Compilation compilation, string typeName, string methodName)
    {
        using var image = new MemoryStream();
        var emit = compilation.Emit(image);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
        var context = new AssemblyLoadContext("generator-test", isCollectible: true);
        try
        {
            image.Position = 0;
            var assembly = context.LoadFromStream(image);
            var method = assembly.GetType(typeName, throwOnError: true)!.GetMethod(methodName, BindingFlags.Public | BindingFlags.Static)!;
            return (bool)method.Invoke(null, null)!;
        }
        finally
        {
            context.Unload();
        }
    }
}
