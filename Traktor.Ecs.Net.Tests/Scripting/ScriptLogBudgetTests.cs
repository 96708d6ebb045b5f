using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Scripting;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// <c>log:info</c> and <c>print</c> reached the host's logger without a limit: a script could flood the logs (a loop of
/// 64 KiB lines, every tick). Now each script has <see cref="LuaScriptOptions.LogLinesPerSecond"/> lines and
/// <see cref="LuaScriptOptions.LogBytesPerSecond"/> bytes a second; the rest is dropped, counted, and reported once per
/// second with a warning and <see cref="ScriptMetrics.LogLinesDropped"/>.
/// </summary>
public sealed class ScriptLogBudgetTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Lines_past_the_budget_are_dropped_and_reported_once_per_second_with_a_metric()
    {
        using var dropped = new DroppedLines("flood-lines.lua");
        using var host = new ScriptHost(new ScriptServices { Time = _time }, new LuaScriptOptions { LogLinesPerSecond = 5 });
        var script = host.Load("flood-lines.lua", """
            function Script:flood(n)
              for i = 1, n do
                if i % 2 == 0 then print("line", i) else log:info("line", i) end
              end
            end
            Script:flood(200)
            """);

        Assert.Equal(["[flood-lines.lua] line 1", "[flood-lines.lua] line\t2", "[flood-lines.lua] line 3", "[flood-lines.lua] line\t4", "[flood-lines.lua] line 5"], host.Info);
        host.Tick(10);
        Assert.Empty(Warnings(host)); // the second has not ended yet
        Assert.Equal(0, dropped.Total);

        _time.Advance(TimeSpan.FromSeconds(1));
        host.Tick(3);
        var warning = Assert.Single(Warnings(host));
        int bytes = Enumerable.Range(6, 195).Sum(i => "line ".Length + i.ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
        Assert.Equal($"[flood-lines.lua] 195 log lines ({bytes} bytes) dropped: over the script's log budget (5 lines, 65536 bytes a second)", warning);
        Assert.Equal(195, dropped.Total);
        Assert.Empty(script.Errors); // dropping a line is not the script's error

        // The next second has its own five lines.
        script.Call("flood", 7.0);
        Assert.Equal(10, host.Info.Count);
        Assert.Equal("[flood-lines.lua] line 5", host.Info[^1]);
    }

    [Fact]
    public void Bytes_past_the_budget_are_dropped_before_the_text_is_read()
    {
        using var dropped = new DroppedLines("flood-bytes.lua");
        using var host = new ScriptHost(new ScriptServices { Time = _time }, new LuaScriptOptions { LogBytesPerSecond = 100 });
        var script = host.Load("flood-bytes.lua", """
            local s = string.rep("x", 40)
            for i = 1, 1000 do log:warn(s) end
            log:error("short")
            """);

        // Two 40-byte lines and the 5-byte one fit in 100 bytes; the other 998 are dropped.
        var lines = host.Logger.Lines.Where(l => l.Message.StartsWith("[flood-bytes.lua]", StringComparison.Ordinal)).Select(l => l.Level).ToList();
        Assert.Equal([LogLevel.Warning, LogLevel.Warning, LogLevel.Error], lines);
        Assert.True(host.System.Unload(script));
        Assert.Equal(998, dropped.Total); // reported when the script is unloaded, too
        Assert.Contains("[flood-bytes.lua] 998 log lines (39920 bytes) dropped: over the script's log budget (50 lines, 100 bytes a second)", Warnings(host));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    public void Budgets_below_one_are_refused(int lines, int bytes) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScriptHost(options: new LuaScriptOptions { LogLinesPerSecond = lines, LogBytesPerSecond = bytes }));

    private static List<string> Warnings(ScriptHost host)
    {
        lock (host.Logger.Lines)
        {
            return host.Logger.Lines.Where(l => l.Level == LogLevel.Warning && l.Message.Contains("dropped", StringComparison.Ordinal)).Select(l => l.Message).ToList();
        }
    }

    /// <summary>Sums <c>traktor.scripts.log.dropped</c> for one script (tests run in parallel; the tag tells them apart).</summary>
    private sealed class DroppedLines : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _total;

        public DroppedLines(string script)
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == NetMetrics.MeterName && instrument.Name == "traktor.scripts.log.dropped") l.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == ScriptMetrics.ScriptTag && (string?)tag.Value == script) Interlocked.Add(ref _total, value);
                }
            });
            _listener.Start();
        }

        public long Total => Interlocked.Read(ref _total);

        public void Dispose() => _listener.Dispose();
    }
}
