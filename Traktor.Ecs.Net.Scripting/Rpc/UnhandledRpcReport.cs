namespace Traktor.Ecs.Net.Scripting.Rpc;

/// <summary>
/// One script's RPCs left unhandled past <see cref="LuaScriptOptions.MaxRpcHandlersPerTick"/>, reported as one
/// <see cref="ScriptErrorKind.Limit"/> error at most every <see cref="Interval"/>: the first tick over the cap is reported at
/// once, the ticks after it add to a count reported when the interval has passed. A client flooding RPCs at its rate limit
/// decides how often the cap is passed, so a report per tick let it write a warning to the server's log 60 times a second.
/// Tick thread only.
/// </summary>
internal sealed class UnhandledRpcReport
{
    /// <summary>The least time between two reports of one script.</summary>
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly TimeProvider _time;
    private long _lastReport;
    private bool _reported;
    private long _rpcs;
    private int _ticks;

    public UnhandledRpcReport(TimeProvider time) => _time = time;

    /// <summary>Counts a tick that left <paramref name="unhandled"/> RPCs unhandled.</summary>
    public void Count(int unhandled)
    {
        if (unhandled > 0)
        {
            _rpcs += unhandled;
            _ticks++;
        }
    }

    /// <summary>
    /// The RPCs and ticks counted since the last report, when there are some and a report is due, or whenever there are some
    /// with <paramref name="final"/> (the script unloads: what it counted is reported, not dropped). Then counted as made.
    /// </summary>
    public bool TryTake(out long rpcs, out int ticks, bool final = false)
    {
        rpcs = _rpcs;
        ticks = _ticks;
        if (_rpcs == 0)
        {
            return false;
        }

        long now = _time.GetTimestamp();
        if (!final && _reported && _time.GetElapsedTime(_lastReport, now) < Interval)
        {
            return false;
        }

        _reported = true;
        _lastReport = now;
        _rpcs = 0;
        _ticks = 0;
        return true;
    }
}
