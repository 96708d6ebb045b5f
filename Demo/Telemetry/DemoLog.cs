using Microsoft.Extensions.Logging;

namespace Demo.Telemetry;

/// <summary>
/// The logger every part of the demo writes to. It keeps warnings and errors for the summary and the
/// report (a run with errors is not a success) and echoes them to the live output.
/// </summary>
public sealed class DemoLog : ILogger
{
    private readonly Lock gate = new();
    private readonly List<string> warnings = new();
    private readonly List<string> errors = new();

    /// <summary>Called with each warning or error line as it happens.</summary>
    public Action<string>? Echo { get; set; }

    /// <summary>Warnings so far.</summary>
    public IReadOnlyList<string> Warnings
    {
        get
        {
            lock (gate)
            {
                return warnings.ToArray();
            }
        }
    }

    /// <summary>Errors so far.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (gate)
            {
                return errors.ToArray();
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
        lock (gate)
        {
            (logLevel >= LogLevel.Error ? errors : warnings).Add(line);
        }

        Echo?.Invoke(line);
    }
}
