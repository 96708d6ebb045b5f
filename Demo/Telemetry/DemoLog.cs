using Microsoft.Extensions.Logging;

namespace Demo.Telemetry;

/// <summary>
/// The logger every part of the demo writes to. It keeps warnings and errors for the summary and the
/// report (a run with errors is not a success) and echoes them to the live output. The store is bounded
/// whatever clients do: a message is kept once per key (its template, so per-connection details do not make
/// new keys) with a count of repeats, at most <see cref="MaxKeys"/> keys per level (the rest only counted), and
/// only the first <see cref="EchoedRepeats"/> repeats of a key are echoed.
/// </summary>
public sealed class DemoLog : ILogger
{
    /// <summary>Distinct messages kept per level.</summary>
    public const int MaxKeys = 256;

    /// <summary>Occurrences of one message echoed to the live output.</summary>
    public const int EchoedRepeats = 3;

    private readonly Lock gate = new();
    private readonly Store warnings = new();
    private readonly Store errors = new();

    /// <summary>Called with each warning or error line as it happens (up to <see cref="EchoedRepeats"/> per message).</summary>
    public Action<string>? Echo { get; set; }

    /// <summary>Warnings so far: each distinct message once, with "(×N)" when it repeated.</summary>
    public IReadOnlyList<string> Warnings
    {
        get
        {
            lock (gate)
            {
                return warnings.Lines();
            }
        }
    }

    /// <summary>Errors so far, as <see cref="Warnings"/>.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (gate)
            {
                return errors.Lines();
            }
        }
    }

    /// <summary>Warnings logged, repeats included.</summary>
    public long WarningCount
    {
        get
        {
            lock (gate)
            {
                return warnings.Total;
            }
        }
    }

    /// <summary>Records an error found by the demo itself (for example a failed online call).</summary>
    public void Error(string message) => Log(LogLevel.Error, default, message, null, (m, _) => m);

    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        string line = $"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})")}";
        string key = $"{logLevel}: {Template(state) ?? line}";
        long seen;
        lock (gate)
        {
            seen = (logLevel >= LogLevel.Error ? errors : warnings).Add(key, line);
        }

        if (seen <= EchoedRepeats)
        {
            Echo?.Invoke(seen == EchoedRepeats ? line + " (further repeats are only counted)" : line);
        }
    }

    /// <summary>The message template of a structured log call ("{OriginalFormat}"), so one message with varying values is one key.</summary>
    private static string? Template<TState>(TState state)
    {
        if (state is IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            foreach (var (name, value) in values)
            {
                if (name == "{OriginalFormat}" && value is string template)
                {
                    return template;
                }
            }
        }

        return null;
    }

    private sealed class Store
    {
        private readonly Dictionary<string, Entry> byKey = new();
        private readonly List<Entry> order = new();
        private long unkept;

        public long Total { get; private set; }

        /// <summary>Counts one occurrence; returns how many times this key was seen (1 the first time).</summary>
        public long Add(string key, string line)
        {
            Total++;
            if (byKey.TryGetValue(key, out var entry))
            {
                return ++entry.Count;
            }

            if (byKey.Count >= MaxKeys)
            {
                unkept++;
                return long.MaxValue; // not kept, not echoed
            }

            entry = new Entry(line) { Count = 1 };
            byKey.Add(key, entry);
            order.Add(entry);
            return 1;
        }

        public string[] Lines()
        {
            var lines = order.Select(e => e.Count > 1 ? $"{e.FirstLine} (×{e.Count})" : e.FirstLine);
            return (unkept > 0 ? lines.Append($"… {unkept} more of other messages (only {MaxKeys} distinct messages are kept)") : lines).ToArray();
        }

        private sealed class Entry(string firstLine)
        {
            public string FirstLine { get; } = firstLine;

            public long Count { get; set; }
        }
    }
}
