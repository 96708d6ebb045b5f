using System.Runtime.CompilerServices;
using Traktor.Ecs.Net.Fuzz.Engine;

namespace Traktor.Ecs.Net.Fuzz;

/// <summary>
/// Entry point. In the default load context it only installs the coverage map and, for <c>fuzz</c>, instruments
/// Traktor.Ecs.Net and hands over to <see cref="Runner"/> in the instrumented context; nothing here may touch the
/// library's types, or the uninstrumented copy would be the one loaded.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        CoverageMap.Install();
        bool instrument = args.Length > 0 && args[0] == "fuzz" && !args.Contains("--no-instrument");
        if (!instrument) return RunPlain(args.Where(a => a != "--no-instrument").ToArray());
        string cache = Path.Combine(AppContext.BaseDirectory, "instrumented");
        string library = Instrumentation.Instrument(cache);
        return Instrumentation.RunInstrumented(library, [.. args, "--instrumented"]);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int RunPlain(string[] args) => Runner.Start(args);
}
