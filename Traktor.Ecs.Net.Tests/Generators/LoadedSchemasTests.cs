using System.Runtime.Loader;
using Traktor.Ecs.Net.Serialization;

namespace Traktor.Ecs.Net.Tests.Generators;

/// <summary>
/// <see cref="ReplicationRegistry.FromLoadedSchemas"/> sees the schema of an assembly that is loaded but none of whose code
/// has run. Generated schemas register from a module initializer, which the runtime runs before the assembly's first code,
/// not when it loads: a game with its components in an assembly of their own (shared by its client and server programs)
/// built its registry on its first line without them (found writing a game from the docs: a player program referencing
/// the server's assembly had 1 schema before touching a game type and 2 after).
/// </summary>
public sealed class LoadedSchemasTests
{
    private const string Source = """
        using System.Runtime.CompilerServices;

        namespace LoadedOnly
        {
            public static class Probe
            {
                // The reference to Traktor.Ecs.Net that every assembly with generated schemas has.
                public static Traktor.Ecs.Net.NetworkId Unused;

                // Says so outside the assembly: reading a field of it would run the initializer itself.
                [ModuleInitializer]
                internal static void Initialize() => System.AppContext.SetData(typeof(Probe).Assembly.GetName().Name!, "initialized");
            }
        }
        """;

    [Fact]
    public void Building_a_registry_runs_the_module_initializers_of_loaded_assemblies_that_reference_the_library()
    {
        string name = LoadUntouched();
        Assert.Null(AppContext.GetData(name));

        _ = ReplicationRegistry.FromLoadedSchemas();

        Assert.Equal("initialized", AppContext.GetData(name));
    }

    [Fact]
    public void Rpc_registries_do_the_same()
    {
        string name = LoadUntouched();
        Assert.Null(AppContext.GetData(name));

        _ = RpcRegistry.FromLoadedSchemas();

        Assert.Equal("initialized", AppContext.GetData(name));
        Assert.Equal(NetworkSchemas.All.Count, NetworkSchemas.All.Distinct().Count());
    }

    /// <summary>Loads a fresh assembly into the default context (as a referenced one is, once code naming it is compiled) and runs none of its code.</summary>
    private static string LoadUntouched()
    {
        string name = "LoadedOnly" + Guid.NewGuid().ToString("N");
        var compiled = GeneratorHarness.Run(Source, name);
        Assert.Empty(compiled.CompileErrors);
        using var image = new MemoryStream();
        Assert.True(compiled.Output.Emit(image, cancellationToken: TestContext.Current.CancellationToken).Success);
        image.Position = 0;
        var assembly = AssemblyLoadContext.Default.LoadFromStream(image);
        Assert.Contains(assembly, AppDomain.CurrentDomain.GetAssemblies());
        return name;
    }
}
