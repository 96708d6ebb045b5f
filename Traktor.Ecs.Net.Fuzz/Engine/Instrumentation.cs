using System.Reflection;
using System.Runtime.Loader;

namespace Traktor.Ecs.Net.Fuzz.Engine;

/// <summary>
/// Puts SharpFuzz's branch instrumentation into a copy of Traktor.Ecs.Net.dll and loads it, with this harness, into
/// their own load context: the targets then run the instrumented library while everything else (SharpFuzz.Common's
/// trace, the ECS, the BCL) is shared with the default context. The copy is cached by the original's hash (<see cref="InstrumentedCache"/>).
/// </summary>
internal static class Instrumentation
{
    public const string Library = "Traktor.Ecs.Net";

    /// <summary>The instrumented copy of the library beside this harness, cached under <paramref name="directory"/> (<see cref="InstrumentedCache"/>).</summary>
    public static string Instrument(string directory) =>
        InstrumentedCache.GetOrCreate(directory, Path.Combine(AppContext.BaseDirectory, Library + ".dll"),
            copy => SharpFuzz.Fuzzer.Instrument(copy, _ => true, SharpFuzz.Options.Value).Count());

    /// <summary>Runs <c>Runner.Start(args)</c> of a second copy of this assembly, bound to the instrumented library.</summary>
    public static int RunInstrumented(string instrumented, string[] args)
    {
        var context = new InstrumentedContext(instrumented, typeof(Instrumentation).Assembly.Location);
        var harness = context.LoadFromAssemblyName(typeof(Instrumentation).Assembly.GetName());
        var main = harness.GetType(typeof(Runner).FullName!)!.GetMethod(nameof(Runner.Start), BindingFlags.Public | BindingFlags.Static)!;
        try
        {
            return (int)main.Invoke(null, [args])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    private sealed class InstrumentedContext(string library, string harness) : AssemblyLoadContext("instrumented")
    {
        protected override Assembly? Load(AssemblyName name) => name.Name switch
        {
            Library => LoadFromAssemblyPath(library),
            "Traktor.Ecs.Net.Fuzz" => LoadFromAssemblyPath(harness),
            _ => null,
        };
    }
}
