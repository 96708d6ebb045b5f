using System.Diagnostics.Metrics;
using Traktor.Ecs.Net.Diagnostics;

namespace Traktor.Ecs.Net.Scripting;

/// <summary>Script instruments on the network assembly's meter (<see cref="NetMetrics.MeterName"/>).</summary>
public static class ScriptMetrics
{
    /// <summary>The tag naming the script that counted a measurement (its file name).</summary>
    public const string ScriptTag = "traktor.script";

    /// <summary>
    /// Lines a script wrote with <c>log:…</c> or <c>print</c> past <see cref="LuaScriptOptions.LogLinesPerSecond"/> or
    /// <see cref="LuaScriptOptions.LogBytesPerSecond"/>, dropped; added once per one-second interval that dropped any,
    /// tagged <see cref="ScriptTag"/>.
    /// </summary>
    public static readonly Counter<long> LogLinesDropped = NetMetrics.Meter.CreateCounter<long>("traktor.scripts.log.dropped", "{line}", "Script log lines dropped over the script's log budget");
}
