using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Tests.Transport;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>A world with a <see cref="LuaScriptSystem"/> and a logger that keeps what scripts log.</summary>
internal sealed class ScriptHost : IDisposable
{
    public ScriptHost(ScriptServices? services = null, LuaScriptOptions? options = null, World? world = null)
    {
        World = world ?? World.Create();
        OwnsWorld = world is null;
        options ??= new LuaScriptOptions();

        // Wall time under a loaded test run is not what these tests are about (a budget loop can take longer
        // than the default TimeBudget while others run): unless a test sets its own TimeBudget, only the
        // instruction budget stops a script here. The time budget has its own tests, with explicit values.
        if (options.TimeBudget == new LuaScriptOptions().TimeBudget)
        {
            options.TimeBudget = TimeSpan.FromMinutes(10);
        }

        System = new LuaScriptSystem(World, services ?? new ScriptServices(), options, Logger);
    }

    public World World { get; }

    public CapturingLogger Logger { get; } = new();

    public LuaScriptSystem System { get; }

    private bool OwnsWorld { get; }

    /// <summary>What scripts logged with log:info/print (Information level), in order.</summary>
    public List<string> Info
    {
        get
        {
            lock (Logger.Lines)
            {
                return Logger.Lines.Where(l => l.Level == LogLevel.Information).Select(l => l.Message).ToList();
            }
        }
    }

    public LuaScript Load(string name, string source, IReadOnlyDictionary<string, ScriptValue>? globals = null) =>
        System.LoadSource(name, source, globals);

    public void Tick(int count = 1)
    {
        for (int i = 0; i < count; i++)
        {
            System.Update(1f / 60f);
        }
    }

    /// <summary>Ticks until <paramref name="done"/> holds (the answers of network calls arrive on other threads).</summary>
    public void TickUntil(Func<bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The script did not get there in time. Logged: " + string.Join(" | ", Logger.Lines.Select(l => l.Message)));
            }

            Tick();
            Thread.Sleep(1);
        }
    }

    public void Dispose()
    {
        System.Dispose();
        if (OwnsWorld)
        {
            World.Destroy(World);
        }
    }
}
