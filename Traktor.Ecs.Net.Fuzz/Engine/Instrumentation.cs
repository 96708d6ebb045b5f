using System.Reflection;
using System.Runtime.Loader;
using System.Security.Cryptography;

namespace Traktor.Ecs.Net.Fuzz.Engine;

/// <summary>
/// Puts SharpFuzz's branch instrumentation into a copy of Traktor.Ecs.Net.dll and loads it, with this harness, into
/// their own load context: the targets then run the instrumented library while everything else (SharpFuzz.Common's
/// trace, the ECS, the BCL) is shared with the default context. The copy is cached by the original's hash.
/// </summary>
internal static class Instrumentation
{
    public const string Library = "Traktor.Ecs.Net";

    public static string Instrument(string directory)
    {
        string original = Path.Combine(AppContext.BaseDirectory, Library + ".dll");
        string hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(original)))[..16];
        string folder = Path.Combine(directory, hash);
        string copy = Path.Combine(folder, Library + ".dll");
        string done = copy + ".instrumented";
        if (File.Exists(done)) return copy;
        Directory.CreateDirectory(folder);
        // Instrumented aside, then renamed into place: two runs started at once (FuzzHarnessReproducibilityTests) may both
        // find no copy, and one overwriting the file the other has loaded would pull it from under that process.
        string staging = Path.Combine(folder, $"{Library}.{Environment.ProcessId}.tmp");
        File.Copy(original, staging, overwrite: true);
        int types = SharpFuzz.Fuzzer.Instrument(staging, _ => true, SharpFuzz.Options.Value).Count();
        File.Move(staging, copy, overwrite: true);
        File.WriteAllText(done, $"{types} types instrumented\n");
        return copy;
    }

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
