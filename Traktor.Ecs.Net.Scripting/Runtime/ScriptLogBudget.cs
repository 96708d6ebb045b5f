using Microsoft.Extensions.Logging;

namespace Traktor.Ecs.Net.Scripting.Runtime;

/// <summary>
/// What one script may write to the host's logger (<c>log:info/debug/warn/error</c>, <c>print</c>): at most
/// <see cref="LuaScriptOptions.LogLinesPerSecond"/> lines and <see cref="LuaScriptOptions.LogBytesPerSecond"/> bytes in each
/// one-second interval. Lines past either are dropped before their text is read into .NET, counted, and reported once
/// when the interval ends (a warning and <see cref="ScriptMetrics.LogLinesDropped"/>). Without the budget, a loop of
/// <c>print(s)</c> with a 64 KiB <c>s</c> writes hundreds of megabytes a second to the host's logs.
/// Tick thread only.
/// </summary>
internal sealed class ScriptLogBudget
{
    private readonly string _script;
    private readonly LuaScriptOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _intervalStart;
    private bool _started;
    private long _lines;
    private long _bytes;
    private long _droppedLines;
    private long _droppedBytes;

    public ScriptLogBudget(string script, LuaScriptOptions options, TimeProvider time, ILogger logger)
    {
        _script = script;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Counts a line of <paramref name="bytes"/> UTF-8 bytes; false (counted as dropped) when it is over the interval's budget.</summary>
    public bool TryTake(long bytes)
    {
        Roll();
        if (_lines + 1 > _options.LogLinesPerSecond || _bytes + bytes > _options.LogBytesPerSecond)
        {
            _droppedLines++;
            _droppedBytes += bytes;
            return false;
        }

        _lines++;
        _bytes += bytes;
        return true;
    }

    /// <summary>Ends the interval if it is over, reporting what it dropped (each tick, and before each line).</summary>
    public void Roll()
    {
        long now = _time.GetTimestamp();
        if (!_started)
        {
            _started = true;
            _intervalStart = now;
            return;
        }

        if (_time.GetElapsedTime(_intervalStart, now) < TimeSpan.FromSeconds(1))
        {
            return;
        }

        Report();
        _intervalStart = now;
        _lines = 0;
        _bytes = 0;
    }

    /// <summary>Reports the lines dropped since the last report, if any (at the end of an interval, and when the script is unloaded).</summary>
    public void Report()
    {
        if (_droppedLines == 0)
        {
            return;
        }

        _logger.LogWarning("[{Script}] {Lines} log lines ({Bytes} bytes) dropped: over the script's log budget ({LinesPerSecond} lines, {BytesPerSecond} bytes a second)",
            _script, _droppedLines, _droppedBytes, _options.LogLinesPerSecond, _options.LogBytesPerSecond);
        ScriptMetrics.LogLinesDropped.Add(_droppedLines, new KeyValuePair<string, object?>(ScriptMetrics.ScriptTag, _script));
        _droppedLines = 0;
        _droppedBytes = 0;
    }
}
