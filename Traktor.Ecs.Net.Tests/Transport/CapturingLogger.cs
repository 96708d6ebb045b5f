using Microsoft.Extensions.Logging;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>Keeps formatted log lines so tests can check what operators would read.</summary>
internal sealed class CapturingLogger : ILogger
{
    public List<(LogLevel Level, string Message)> Lines { get; } = [];

    /// <summary>The same lines with their event ids, for tests that tell one kind of line from another by its id.</summary>
    public List<(LogLevel Level, EventId Event, string Message)> Entries { get; } = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        string message = formatter(state, exception);
        lock (Lines)
        {
            Lines.Add((logLevel, message));
            Entries.Add((logLevel, eventId, message));
        }
    }
}
