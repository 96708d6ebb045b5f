using Microsoft.Extensions.Logging;

namespace Traktor.Ecs.Net.Fuzz.Game;

/// <summary>
/// A logger that writes nothing. Passed where the library would otherwise fall back to a one-time notice on the
/// standard error (an <see cref="RpcServer"/> without a logger announces its first drop of every reason): every fuzz
/// input builds a fresh server, so those notices would bury the fuzzer's own progress lines. Not the
/// <c>NullLogger</c>, which the library treats as "no logger given".
/// </summary>
internal sealed class DiscardLogger : ILogger
{
    /// <summary>The one instance; it has no state.</summary>
    public static readonly DiscardLogger Instance = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => false;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
    }
}
